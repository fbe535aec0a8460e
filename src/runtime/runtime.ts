/**
 * The runtime seam: everything podrx asks of Deno, Node or Bun besides HTTP (which the
 * transports in `transport/` do), behind three small descriptions. Every other module uses
 * these instead of `Deno.*` or `node:*`, so podrx runs the same on all three.
 *
 * @module
 */
import { denoRuntime } from "./deno_runtime.ts";
import type { Files } from "./files.ts";
import type { Host } from "./host.ts";
import { nodeFiles } from "./node_files.ts";
import { nodeHost } from "./node_host.ts";
import { nodeProcesses } from "./node_processes.ts";
import type { Processes } from "./processes.ts";
import { RUNTIME } from "./runtime_name.ts";

const seam: { files: Files; processes: Processes; host: Host } = RUNTIME === "deno"
  ? denoRuntime()
  : { files: nodeFiles(), processes: nodeProcesses(), host: nodeHost() };

/** Files on this runtime. */
export const files: Files = seam.files;
/** Starting programs on this runtime. */
export const processes: Processes = seam.processes;
/** The process podrx runs in. */
export const host: Host = seam.host;
