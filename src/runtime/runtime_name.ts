/** The JavaScript runtimes podrx runs on, each with its own socket client, files and processes. */
export type RuntimeName = "deno" | "node" | "bun";

// Bun defines `Bun`; Deno defines `Deno` (and Node's `process` too, so look at Deno first).
function detect(): RuntimeName {
  const global = globalThis as Record<string, unknown>;
  if (typeof global.Deno === "object" && global.Deno !== null) return "deno";
  if (typeof global.Bun === "object" && global.Bun !== null) return "bun";
  return "node";
}

/** The runtime this module was loaded in, read once. */
export const RUNTIME: RuntimeName = detect();
