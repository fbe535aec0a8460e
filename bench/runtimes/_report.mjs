/**
 * What every case script of the runtimes bench shares: the `BENCH {json}` line the runner
 * reads, and the bytes the process wrote (Linux's `/proc/self/io`, `wchar`: socket and file
 * writes alike).
 *
 * @module
 */

import { readFileSync } from "node:fs";

/** Prints the case's figures for the runner. */
export function report(result) {
  // deno-lint-ignore no-console -- the runner reads this line from stdout
  console.log("BENCH " + JSON.stringify(result));
}

/** Bytes written by this process so far (every `write` call's count), or -1 when unknown. */
export function bytesWritten() {
  try {
    const match = /^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"));
    return match ? Number(match[1]) : -1;
  } catch {
    return -1;
  }
}

/** The case name and parameters a script was given: `SCRIPT CASE JSON`. */
export function caseArgs(argv) {
  const [name, json] = argv;
  if (name === undefined || json === undefined) throw new Error("usage: SCRIPT CASE JSON");
  return { name, params: JSON.parse(json) };
}
