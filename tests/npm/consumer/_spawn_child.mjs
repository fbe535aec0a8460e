/**
 * A script for spawn.spec.mjs, run by the same runtime as the tests (`process.execPath`):
 * spawns a private Podman service, prints where it lives as one JSON line, then ends the way
 * its argument names, without closing the client:
 *
 * - `exit`: the script runs out of work;
 * - `process-exit`: `process.exit(3)`;
 * - `throw`: a timer callback throws (an uncaught exception);
 * - `reject`: a promise rejects with nobody handling it;
 * - `wait`: it waits to be signalled (SIGINT, SIGTERM).
 *
 * @module
 */

import process from "node:process";
import { PodmanClient } from "@podrx/podrx";

const mode = process.argv.at(-1);
const podman = await PodmanClient.spawn({
  // The bed's Podman (a chroot's launcher with PODRX_PODMAN), else `podman` from PATH.
  ...(process.env.PODRX_TEST_PODMAN ? { podmanPath: process.env.PODRX_TEST_PODMAN } : {}),
  storage: "private",
  storageDriver: "vfs",
});
process.stdout.write(`${JSON.stringify(podman.service)}\n`);
switch (mode) {
  case "process-exit":
    process.exit(3);
    break;
  case "throw":
    setTimeout(() => {
      throw new Error("thrown in a timer");
    }, 0);
    break;
  case "reject":
    void Promise.reject(new Error("nobody handles this"));
    break;
  case "wait":
    // Keeps the script alive until a signal ends it.
    setInterval(() => {}, 1_000);
    break;
}
