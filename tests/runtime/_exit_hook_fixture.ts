/**
 * Run by runtime_seam_test.ts in a child of the runtime under test: registers an exit hook
 * that writes a marker file, then ends the way its last argument names (`normal`, `throw`,
 * `reject`).
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import { host } from "../../src/runtime/runtime.ts";

const [marker, ending] = process.argv.slice(-2);
// Synchronous, as every exit hook must be.
host.onExit(() => writeFileSync(marker!, "ran"));

setTimeout(() => {
  if (ending === "throw") throw new Error("an error nobody handles");
  if (ending === "reject") void Promise.reject(new Error("a rejection nobody handles"));
}, 10);
