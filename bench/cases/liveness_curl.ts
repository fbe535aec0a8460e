/**
 * Case 6, the baseline: the same build sent by `curl -N`, its output lines timestamped by
 * this script as they come out of curl's stdout pipe.
 *
 * Params: `{ socketPath, url, contextTar }`.
 *
 * @module
 */

import { report } from "../_measure.ts";
import { type ArrivedLine, livenessFigures, uptimeNow } from "./_liveness.ts";

const params = JSON.parse(Deno.args[0]!) as { socketPath: string; url: string; contextTar: string };
const lines: ArrivedLine[] = [];
const started = performance.now();
const curl = new Deno.Command("curl", {
  args: [
    "-N",
    "-sS",
    "--unix-socket",
    params.socketPath,
    "-X",
    "POST",
    "-H",
    "Content-Type: application/x-tar",
    "--data-binary",
    `@${params.contextTar}`,
    params.url,
  ],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
let pending = "";
for await (const text of curl.stdout.pipeThrough(new TextDecoderStream())) {
  const atMs = performance.now() - started;
  const uptime = uptimeNow();
  const parts = (pending + text).split("\n");
  pending = parts.pop()!;
  for (const part of parts) {
    if (part.trim() === "") continue;
    const stream = (JSON.parse(part) as { stream?: string }).stream;
    if (typeof stream === "string") lines.push({ atMs, uptime, line: stream });
  }
}
const status = await curl.status;
if (!status.success) throw new Error(`curl exited with ${status.code}`);
report(livenessFigures(lines));
