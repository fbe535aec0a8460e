/**
 * Case 11, the podrx side of an artifact's round trip, in one process: `artifacts.add` of one
 * file, `weights.bin`, whose bytes are made on the fly as a stream (bench/_generated_bytes.ts;
 * a byte stream with `byteStream`; or, with `file`, read from that file), then `push` to the bench's registry, `remove`,
 * `pull` and `extract` into `directory`. Each phase is timed in process. Before each, a full
 * garbage collection (run with `--v8-flags=--expose-gc`) drops what the phase before left for
 * the collector, so each phase starts from what is really held; the process's peak during the
 * phase is its `VmHWM`, set back to the resident size at its start through
 * `/proc/self/clear_refs`, and its resident memory is read at the start and the end. The runner
 * checks the extracted file against the generator afterwards.
 *
 * Params: `{ socketPath, name, bytes, seed, file?, byteStream?, directory }`.
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { generatedStream } from "../_generated_bytes.ts";
import { report } from "../_measure.ts";

const params = JSON.parse(Deno.args[0]!) as {
  socketPath: string;
  name: string;
  bytes: number;
  seed: number;
  file?: string;
  byteStream?: boolean;
  directory: string;
};

const MiB = 1024 * 1024;

function status(field: string): number {
  const text = Deno.readTextFileSync("/proc/self/status");
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN) / 1024;
}

/** Sets the peak (`VmHWM`) back to the resident size now; false where the kernel refuses. */
function resetPeak(): boolean {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

interface Phase {
  ms: number;
  /** Resident memory at the start, after the collection. */
  startMiB: number;
  /** Peak resident memory during the phase (since the process started, if not reset). */
  peakMiB: number;
  /** Resident memory after it. */
  rssMiB: number;
  /** V8's heap in use after it. */
  heapMiB: number;
}

const phases: Record<string, Phase> = {};
let peakReset = true;

const collect = (globalThis as { gc?: () => void }).gc;

async function phase(name: string, work: () => Promise<unknown>): Promise<void> {
  collect?.();
  peakReset = resetPeak() && peakReset;
  const startMiB = status("VmRSS");
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  phases[name] = {
    ms,
    startMiB,
    peakMiB: status("VmHWM"),
    rssMiB: status("VmRSS"),
    heapMiB: Deno.memoryUsage().heapUsed / MiB,
  };
}

const client = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
// The version is read once, outside the phases, as a long-lived program would have it.
await client.apiVersion();
const before = { rssMiB: status("VmRSS"), heapMiB: Deno.memoryUsage().heapUsed / MiB };
const artifacts = client.artifacts;
let digest = "";
await phase("add", async () => {
  const data = params.file ??
    generatedStream(params.bytes, params.seed, params.byteStream === true);
  const added = await lastValueFrom(
    artifacts.add(params.name, { fileName: "weights.bin", data }),
  );
  if (added.type !== "added") throw new Error(`add ended with ${added.type}`);
  digest = added.digest;
});
await phase("push", () => lastValueFrom(artifacts.push(params.name, { tlsVerify: false })));
await phase("remove", () => lastValueFrom(artifacts.remove(params.name)));
await phase("pull", () => lastValueFrom(artifacts.pull(params.name, { tlsVerify: false })));
await phase("extract", async () => {
  const extracted = await lastValueFrom(artifacts.extract(params.name, params.directory));
  if (extracted.type !== "extracted") throw new Error(`extract ended with ${extracted.type}`);
  const file = extracted.files[0];
  if (extracted.files.length !== 1 || file?.size !== params.bytes) {
    throw new Error(`extract wrote ${JSON.stringify(extracted.files)}`);
  }
});
await client.close();
report({ digest, before, phases, peakReset, collected: collect !== undefined });
