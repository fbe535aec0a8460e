/**
 * Case 4, a second baseline: the same save with raw Deno and no podrx: `fetch` on the socket,
 * the body piped to the file's stream (Deno's fastest way, copied in Rust). It shows what
 * Deno itself costs against curl.
 *
 * Params: `{ socketPath, apiVersion, image, out }`.
 *
 * @module
 */

import { report } from "../_measure.ts";
import { rawClient } from "./_raw.ts";

const params = JSON.parse(Deno.args[0]!) as {
  socketPath: string;
  apiVersion: string;
  image: string;
  out: string;
};
const raw = rawClient(params.socketPath, params.apiVersion);
const started = performance.now();
const response = await fetch(raw.url(`/images/${params.image}/get?format=docker-archive`), {
  client: raw.http,
});
if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
const file = await Deno.open(params.out, { write: true, create: true, truncate: true });
await response.body.pipeTo(file.writable);
const opMs = performance.now() - started;
raw.close();
report({ opMs });
