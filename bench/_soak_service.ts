/**
 * The soak's Podman service: started with the library's own `spawnService()` (what
 * `PodmanClient.spawn()` runs) on one socket and one storage that outlive it, so that it can
 * be killed and started again while the workers' clients keep their base URL and their
 * images.
 *
 * @module
 */

import { delay } from "../src/async/delay.ts";
import { type SpawnedService, spawnService } from "../src/service/spawn_service.ts";
import { podmanEnv, podmanProgram, type PodmanStorage } from "../tests/bed/env.ts";

/** How a restart ended the service it replaced. */
export interface Stopped {
  signal: "SIGKILL" | "SIGTERM";
  /** Milliseconds from the signal to the process's exit. */
  exitMs: number;
  /** Whether it outlived `STOP_GRACE_MS` after SIGTERM and was killed. */
  forced: boolean;
}

/** A service that can be ended and started again on the same socket and storage. */
export interface SoakService {
  readonly socketPath: string;
  readonly storage: PodmanStorage;
  /** The running service's process id; `undefined` while it is down. */
  readonly pid: number | undefined;
  /** Starts the service; resolves once it answers `/_ping`. */
  start(): Promise<void>;
  /** Sends `signal` to the running service and waits until it exited and its directory is gone. */
  kill(signal: "SIGKILL" | "SIGTERM"): Promise<Stopped>;
  /** Stops the running service, if any (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

// Podman's graceful shutdown waits for requests in flight; past this it is killed.
const STOP_GRACE_MS = 10_000;

/**
 * A service whose storage (`root`, `runroot`), socket and Podman temp directory are in `dir`.
 * Each start has its own directory for the log, removed when it stops; Podman's own temp
 * files go to `dir/podman-tmp`, apart from this process's `TMPDIR`, so that what a killed
 * Podman leaves there is not counted as the soak's.
 */
export async function soakService(dir: string, registriesConf: string): Promise<SoakService> {
  const storage = { root: `${dir}/root`, runroot: `${dir}/runroot`, registriesConf };
  const socketPath = `${dir}/podman.sock`;
  const podmanTmp = `${dir}/podman-tmp`;
  await Deno.mkdir(podmanTmp, { recursive: true });
  let current: SpawnedService | undefined;

  return {
    socketPath,
    storage,
    get pid() {
      return current?.pid;
    },
    async start() {
      if (current) throw new Error("the soak's service is running already");
      current = await spawnService({
        podmanPath: podmanProgram(),
        root: storage.root,
        runroot: storage.runroot,
        storageDriver: "vfs",
        registriesConf,
        socketPath,
        env: { ...podmanEnv(registriesConf), TMPDIR: podmanTmp },
        // Podman on a loaded machine, after a kill, can take a while to check its storage.
        startTimeout: 60_000,
        stopTimeout: STOP_GRACE_MS,
        // The soak handles SIGINT and SIGTERM itself and stops the service in its cleanup.
        handleSignals: false,
      });
    },
    async kill(signal) {
      const service = current;
      if (!service) throw new Error("the soak's service is not running");
      current = undefined;
      const sent = performance.now();
      Deno.kill(service.pid, signal);
      while (!service.exited() && performance.now() - sent < STOP_GRACE_MS) await delay(10);
      const exitMs = performance.now() - sent;
      const forced = !service.exited();
      // Kills what is left and removes the start's directory.
      await service.stop();
      return { signal, exitMs, forced };
    },
    async stop() {
      const service = current;
      current = undefined;
      await service?.stop();
    },
  };
}
