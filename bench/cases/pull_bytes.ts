/**
 * Case 10, part 1: a real pull with byte progress (`pullProgress`, Podman 6) of an image with
 * one big layer from the bench's registry: podrx `images.pull(...).pipe(progress())`
 * counting snapshots, against raw `fetch` of the same request reading its lines with
 * `JSON.parse`, then the inspect podrx does. Both report how many events (snapshots, or
 * lines) came and in what time; podrx also the bytes of its last snapshot before `pulled`.
 *
 * Params: `{ side, socketPath, apiVersion, reference }`.
 *
 * @module
 */

import { lastValueFrom, tap } from "rxjs";
import { PodmanClient, progress, type ProgressSnapshot } from "../../mod.ts";
import { report } from "../_measure.ts";
import { rawClient } from "./_raw.ts";

const params = JSON.parse(Deno.args[0]!) as {
  side: "podrx" | "raw";
  socketPath: string;
  apiVersion: string;
  reference: string;
};
let opMs: number;
let events = 0;
let byteEvents = 0;
let bytesDone = 0;
let bytesTotal = 0;
if (params.side === "podrx") {
  const client = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
  await client.apiVersion();
  let previous: ProgressSnapshot | undefined;
  const started = performance.now();
  const last = await lastValueFrom(
    // `true`, not the default: a server without byte progress fails the case.
    client.images.pull(params.reference, { tlsVerify: false, pullProgress: true }).pipe(
      progress(),
      tap((snapshot) => {
        events++;
        if (snapshot.event.type === "progress") byteEvents++;
        if (!snapshot.done) previous = snapshot;
      }),
    ),
  );
  opMs = performance.now() - started;
  await client.close();
  if (!last.done) throw new Error("the pull did not end with the image");
  bytesDone = previous?.bytesDone ?? 0;
  bytesTotal = previous?.bytesTotal ?? 0;
} else {
  const raw = rawClient(params.socketPath, params.apiVersion);
  const query = new URLSearchParams({
    reference: params.reference,
    tlsVerify: "false",
    compatMode: "false",
    pullProgress: "true",
  });
  const started = performance.now();
  const response = await fetch(raw.url(`/images/pull?${query}`), {
    method: "POST",
    client: raw.http,
  });
  let pending = "";
  let value: { id?: string; pullProgress?: unknown } | undefined;
  for await (const text of response.body!.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + text).split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      if (line === "") continue;
      value = JSON.parse(line);
      events++;
      if (value?.pullProgress !== undefined) byteEvents++;
    }
  }
  const inspect = await fetch(raw.url(`/images/${value?.id}/json`), { client: raw.http });
  await inspect.json();
  opMs = performance.now() - started;
  raw.close();
}
report({
  opMs,
  events,
  byteEvents,
  eventsPerSecond: events / (opMs / 1000),
  bytesDone,
  bytesTotal,
});
