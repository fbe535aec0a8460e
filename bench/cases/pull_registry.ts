/**
 * Extra case: a real pull from the bench's local registry (the image is already in
 * storage, so Podman checks the registry and skips the blobs): podrx `pull()` against raw
 * `fetch` of the same request plus the inspect podrx does after it.
 *
 * Params: `{ side, socketPath, apiVersion, reference }`.
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";
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
if (params.side === "podrx") {
  const client = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
  await client.apiVersion();
  const started = performance.now();
  const last = await lastValueFrom(
    client.images.pull(params.reference, { tlsVerify: false, policy: "always" }),
    { defaultValue: undefined },
  );
  opMs = performance.now() - started;
  await client.close();
  if (last?.type !== "pulled") throw new Error("the pull did not end with the image");
} else {
  const raw = rawClient(params.socketPath, params.apiVersion);
  const started = performance.now();
  const query = new URLSearchParams({
    reference: params.reference,
    policy: "always",
    tlsVerify: "false",
    compatMode: "true",
  });
  const response = await fetch(raw.url(`/images/pull?${query}`), {
    method: "POST",
    client: raw.http,
  });
  const lines = (await response.text()).split("\n").filter((line) => line !== "");
  events = lines.length;
  const last = JSON.parse(lines.at(-1)!) as { id?: string; images?: string[] };
  const id = last.images?.[0] ?? last.id;
  const inspect = await fetch(raw.url(`/images/${id}/json`), { client: raw.http });
  await inspect.json();
  opMs = performance.now() - started;
  raw.close();
}
report({ opMs, events });
