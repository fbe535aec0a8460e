// deno-lint-ignore-file no-console -- reports to the parent test through stdout
/**
 * A script for the spawn tests: spawns a private service, prints where it lives as one JSON
 * line, then ends the way its argument names, without closing the client:
 *
 * - `exit`: the script runs out of work;
 * - `deno-exit`: `Deno.exit(3)`;
 * - `wait`: it waits to be signalled;
 * - `throw-subscriber`: an Observable's subscriber throws (RxJS rethrows it in a timer);
 * - `throw-timer`: a timer callback throws;
 * - `reject`: a promise rejects with nobody handling it.
 *
 * @module
 */

import { of } from "rxjs";
import { PodmanClient } from "../../src/podman/podman_client.ts";

const mode = Deno.args[0];
const podman = await PodmanClient.spawn({ storage: "private", storageDriver: "vfs" });
console.log(JSON.stringify(podman.service));
switch (mode) {
  case "deno-exit":
    Deno.exit(3);
    break;
  case "wait":
    // Keeps the script alive until a signal ends it.
    setInterval(() => {}, 1_000);
    break;
  case "throw-subscriber":
    of(1).subscribe(() => {
      throw new Error("thrown in a subscriber");
    });
    break;
  case "throw-timer":
    setTimeout(() => {
      throw new Error("thrown in a timer");
    }, 0);
    break;
  case "reject":
    void Promise.reject(new Error("nobody handles this"));
    break;
}
