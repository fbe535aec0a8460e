/**
 * `PodmanClient.spawn()` from a Node or Bun user's project: a private service that `close()`
 * stops and removes, and a script (run by the same runtime) that spawns one and then ends in
 * each way a script ends (runs out of work, `process.exit()`, an uncaught exception, an
 * unhandled rejection, SIGINT, SIGTERM), after which the service's process is gone and its
 * directory removed.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import process from "node:process";
import { ConnectionError, PodmanClient } from "@podrx/podrx";
import { lastValueFrom } from "rxjs";
import { bed, eventually, runtime, TEST_TIMEOUT_MS } from "./_bed.mjs";

const options = { timeout: TEST_TIMEOUT_MS };
const CHILD = new URL("./_spawn_child.mjs", import.meta.url).pathname;

/**
 * Whether a process runs. A zombie (state Z) has stopped: a service re-parented to PID 1 in a
 * container may wait there to be reaped.
 */
function isLive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** The service is gone and its directory removed; cleans up after a failure so none lingers. */
async function assertCleanedUp(service) {
  try {
    // The clean-up runs before the script ends, but the service may still be reaped after.
    await eventually(
      () => !isLive(service.pid),
      `service ${service.pid} stops`,
    );
    assert.equal(
      existsSync(service.dir),
      false,
      `${service.dir} is still there`,
    );
  } finally {
    if (isLive(service.pid)) process.kill(service.pid, "SIGKILL");
    await rm(service.dir, { recursive: true, force: true });
  }
}

/**
 * Runs _spawn_child.mjs in `mode` with this runtime; `afterStart` gets the child once its
 * service runs. Resolves with the service it printed, and how the script ended.
 */
function runChild(mode, afterStart) {
  const args = runtime.startsWith("deno") ? ["run", "-A", CHILD, mode] : [CHILD, mode];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let service;
  child.stderr.on("data", (chunk) => (stderr += chunk));
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
    if (service === undefined && stdout.includes("\n")) {
      service = JSON.parse(stdout.slice(0, stdout.indexOf("\n")));
      afterStart?.(child, service);
    }
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (service === undefined) {
        reject(
          new Error(
            `the child script printed no service (${code ?? signal}): ${stderr}`,
          ),
        );
      } else resolve({ service, code, signal, stderr });
    });
  });
}

describe(`spawn() and its clean-up, on ${runtime}`, () => {
  test(
    "spawn() serves an empty private store; close() stops it and removes it",
    options,
    async () => {
      const podman = await PodmanClient.spawn({
        ...(bed.podmanPath ? { podmanPath: bed.podmanPath } : {}),
        storage: "private",
        storageDriver: "vfs",
      });
      const service = podman.service;
      try {
        assert.ok(isLive(service.pid), "the service runs");
        assert.equal(service.socketPath, `${service.dir}/podman.sock`);
        assert.equal(service.storageDriver, "vfs");
        assert.deepEqual(await podman.images.promises.list(), []);
        // It really uses that storage: its database is there.
        assert.ok(
          existsSync(`${service.root}/libpod`),
          `no ${service.root}/libpod`,
        );
      } finally {
        await podman.close();
      }
      assert.equal(isLive(service.pid), false, "the service outlived close()");
      assert.equal(
        existsSync(service.dir),
        false,
        "the service directory outlived close()",
      );
      const error = await lastValueFrom(podman.images.list()).catch((error) => error);
      assert.ok(error instanceof ConnectionError, String(error));
      assert.equal(error.reason, "closed");
      await assertCleanedUp(service);
    },
  );

  test(
    "a script that runs out of work leaves no service",
    options,
    async () => {
      const { service, code } = await runChild("exit");
      assert.equal(code, 0);
      await assertCleanedUp(service);
    },
  );

  test(
    "a script that calls process.exit(3) leaves no service, and exits 3",
    options,
    async () => {
      const { service, code } = await runChild("process-exit");
      assert.equal(code, 3);
      await assertCleanedUp(service);
    },
  );

  for (
    const [mode, how] of [["throw", "an uncaught exception"], [
      "reject",
      "an unhandled rejection",
    ]]
  ) {
    test(
      `a script that dies of ${how} leaves no service, and still dies of it`,
      options,
      async () => {
        const { service, code, stderr } = await runChild(mode);
        assert.notEqual(code, 0, stderr);
        assert.match(
          stderr,
          mode === "throw" ? /thrown in a timer/ : /nobody handles this/,
        );
        await assertCleanedUp(service);
      },
    );
  }

  for (const signal of ["SIGINT", "SIGTERM"]) {
    test(
      `a script that gets ${signal} leaves no service, then ends of the signal`,
      options,
      async () => {
        const { service, code, signal: ended } = await runChild(
          "wait",
          (child, service) => {
            assert.ok(isLive(service.pid), "the child's service runs");
            child.kill(signal);
          },
        );
        // The signal is raised again after the clean-up, so the script dies of it (a runtime
        // that exits with 128 + the signal's number instead says the same).
        const number = { SIGINT: 2, SIGTERM: 15 }[signal];
        assert.ok(
          ended === signal || code === 128 + number,
          `ended with ${code ?? ended}`,
        );
        await assertCleanedUp(service);
      },
    );
  }
});
