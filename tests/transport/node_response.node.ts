/**
 * On Node, podrx reads answers without loading undici (node_response.ts): the first use of
 * WHATWG `Response` or `Headers` costs Node 24 45 to 55 ms, a third of a script's cold start.
 * Runs the probe in a fresh Node process, where nothing else could have loaded undici.
 *
 * @module
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { RUNTIME } from "../../src/runtime/runtime_name.ts";

test(
  "on Node, a request, its headers, every way of reading its body, and a one-file archive load no undici",
  {
    skip: RUNTIME !== "node" && "Node only: Deno and Bun have their own Response",
  },
  async () => {
    const probe = new URL("./_undici_probe.ts", import.meta.url).pathname;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [probe], (error, out, err) => {
        if (error) reject(new Error(`${error.message}\n${err}`));
        else resolve(out);
      });
    });
    const { seen, undici } = JSON.parse(stdout.trim().split("\n").pop()!);
    const answer = JSON.stringify([{ Id: "a" }]);
    assert.deepEqual(seen, [
      ["json", 200, true, "5.4.0", "json", answer, true],
      ["text", 200, true, "5.4.0", "text", answer, true],
      ["stream", 200, true, "5.4.0", "stream", answer, true],
      // A header, one data block and the two zero blocks that end an archive.
      ["tar", "FROM scratch\n", 4 * 512],
    ]);
    assert.equal(undici, false, "undici was loaded");
  },
);
