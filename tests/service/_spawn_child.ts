// deno-lint-ignore-file no-console -- reports to the parent test through stdout
/**
 * A script for the spawn tests: spawns a private service, prints where it lives as one JSON
 * line, then either ends without closing the client (`exit`) or waits to be signalled
 * (`wait`).
 *
 * @module
 */

import { PodmanClient } from "../../src/client/podman_client.ts";

const mode = Deno.args[0];
const podman = await PodmanClient.spawn({ storage: "private", storageDriver: "vfs" });
console.log(JSON.stringify(podman.service));
if (mode === "wait") {
  // Keeps the script alive until a signal ends it.
  setInterval(() => {}, 1_000);
}
