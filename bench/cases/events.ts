/**
 * Case 8, event throughput: one pull from the progress server, through podrx's parser and
 * the `progress()` operator (podrx), or through `TextDecoderStream`, `split("\n")` and
 * `JSON.parse` on the same bytes (raw).
 *
 * Params: `{ side, socketPath }`.
 *
 * @module
 */

import { lastValueFrom, tap } from "rxjs";
import { PodmanClient, progress } from "../../mod.ts";
import { report } from "../_measure.ts";
import { rawClient } from "./_raw.ts";

const params = JSON.parse(Deno.args[0]!) as { side: "podrx" | "raw"; socketPath: string };
let events = 0;
let opMs: number;
if (params.side === "podrx") {
  const client = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
  await client.apiVersion();
  const started = performance.now();
  const last = await lastValueFrom(
    client.images.pull("localhost/bench/progress:1").pipe(progress(), tap(() => events++)),
  );
  opMs = performance.now() - started;
  await client.close();
  if (!last.done) throw new Error("the pull did not end with the image");
} else {
  const version = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
  const apiVersion = await version.apiVersion();
  await version.close();
  const raw = rawClient(params.socketPath, apiVersion);
  const started = performance.now();
  const response = await fetch(raw.url("/images/pull?reference=localhost/bench/progress:1"), {
    method: "POST",
    client: raw.http,
  });
  let pending = "";
  let value: unknown;
  for await (const text of response.body!.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + text).split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      if (line === "") continue;
      value = JSON.parse(line);
      events++;
    }
  }
  opMs = performance.now() - started;
  raw.close();
  if (value === undefined) throw new Error("no lines");
}
report({ opMs, events, eventsPerSecond: events / (opMs / 1000) });
