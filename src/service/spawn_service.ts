/**
 * Starting a private `podman system service` for the length of a script: on a socket in a
 * fresh temp directory, optionally with its own image storage, stopped and cleaned up again
 * on close, on SIGINT/SIGTERM and at exit.
 *
 * @module
 */

import { PodmanError } from "../errors.ts";
import { startDaemon } from "./_daemon.ts";
import { errorMessage } from "./_error_message.ts";
import { pingSocket } from "./_ping.ts";
import { isPermissionError } from "../transport/_connection_failure.ts";
import { SPAWN_ACTION } from "./_spawn_action.ts";
import { type SpawnServiceOptions, validateSpawnOptions } from "./spawn_service_options.ts";
import { files } from "../runtime/runtime.ts";

/** Where a spawned service lives; see `PodmanClient.service`. */
export interface ServiceInfo {
  /** Process id of `podman system service`. */
  readonly pid: number;
  /** The private temp directory holding the socket, the log and any private storage. */
  readonly dir: string;
  /** Path of the service's unix socket. */
  readonly socketPath: string;
  /** The base URL of the service, `unix://` + {@linkcode ServiceInfo.socketPath}. */
  readonly baseUrl: string;
  /** The service's log (its stdout and stderr). */
  readonly logPath: string;
  /** Podman's `--root`, when one was set (always, with private storage). */
  readonly root: string | undefined;
  /** Podman's `--runroot`, when one was set (always, with private storage). */
  readonly runroot: string | undefined;
  /** Podman's `--storage-driver`, when one was set. */
  readonly storageDriver: string | undefined;
  /** The `registries.conf` passed to the service, when one was. */
  readonly registriesConf: string | undefined;
}

/** A service started by {@linkcode spawnService}. */
export interface SpawnedService extends ServiceInfo {
  /** Whether the process has exited (stopped, or died on its own). */
  exited(): boolean;
  /**
   * Stops the service (SIGTERM, then SIGKILL after `stopTimeout`) and removes its
   * directory. Safe to call more than once.
   */
  stop(): Promise<void>;
}

// sockaddr_un.sun_path is 108 bytes on Linux, including the final NUL.
const MAX_SOCKET_PATH = 107;
// Podman refuses a longer --runroot ("the specified runroot is longer than 50 characters").
const MAX_RUNROOT = 50;

/**
 * Starts `podman system service --time 0` on a unix socket in a new private temp
 * directory and waits until it answers `/_ping`.
 *
 * Most code wants `PodmanClient.spawn()`, which connects a client to the service and stops
 * it on `close()`. This is the part without the client.
 *
 * @param options Storage, environment and timing; see {@linkcode SpawnServiceOptions}.
 * @returns The running service.
 * @throws {PodmanError} (as a rejection) When there is no `podman` program, the script lacks
 * a permission it needs (at once, with Deno's message naming the flag), or the service exits
 * or does not answer in time; the message then ends with the service's log.
 *
 * @example A throwaway service with its own, empty storage
 * ```ts check-only
 * import { spawnService } from "./spawn_service.ts";
 *
 * const service = await spawnService({ storage: "private", storageDriver: "vfs" });
 * try {
 *   console.log(service.socketPath);
 * } finally {
 *   await service.stop();
 * }
 * ```
 */
export async function spawnService(options: SpawnServiceOptions = {}): Promise<SpawnedService> {
  validateSpawnOptions(options);
  const podmanPath = options.podmanPath ?? "podman";
  const startTimeout = options.startTimeout ?? 20_000;
  const stopTimeout = options.stopTimeout ?? 5_000;
  if (options.socketPath !== undefined) await claimSocketPath(options.socketPath);
  const daemon = await startDaemon({
    // A short name leaves room under Podman's runroot limit.
    dirPrefix: "podrx-svc-",
    dirFailure: "cannot create its directory",
    command(dir) {
      const files = serviceFiles(dir, options);
      const env = { ...options.env };
      if (options.registriesConf !== undefined) {
        env.CONTAINERS_REGISTRIES_CONF = options.registriesConf;
      }
      return { program: podmanPath, args: podmanArgs(files, options), logPath: files.logPath, env };
    },
    missingProgram: podmanPath.includes("/")
      ? `no executable at ${podmanPath}`
      : `no \`${podmanPath}\` executable found on PATH (install podman)`,
    fail: (why, cause) => new PodmanError(`${SPAWN_ACTION}: ${why}`, { cause }),
    isReady: (dir) => ping(serviceFiles(dir, options).socketPath),
    async notReady(outcome, process) {
      const why = outcome === "exited"
        ? `it exited with code ${(await process.status).code}`
        : `it did not answer /_ping within ${startTimeout / 1000} s`;
      return new PodmanError(
        `${SPAWN_ACTION}: ${why}\n--- service log ---\n${await process.tail()}`,
      );
    },
    startTimeoutMs: startTimeout,
    stopGraceMs: stopTimeout,
    stopSyncGraceMs: Math.min(stopTimeout, 3_000),
    handleSignals: options.handleSignals ?? true,
    signal: options.signal,
    // A rootless service's storage holds files of subordinate ids: its `podman unshare` may
    // remove them, the user may not.
    unshareWith: podmanPath,
  });

  const { socketPath, logPath, root, runroot } = serviceFiles(daemon.dir, options);
  return {
    pid: daemon.process.pid,
    dir: daemon.dir,
    socketPath,
    baseUrl: `unix://${socketPath}`,
    logPath,
    root,
    runroot,
    storageDriver: options.storageDriver,
    registriesConf: options.registriesConf,
    exited: () => daemon.process.exited(),
    stop: () =>
      daemon.stop().catch((error) => {
        throw new PodmanError(`Cannot stop the Podman service: ${errorMessage(error)}`, {
          cause: error,
        });
      }),
  };
}

interface ServiceFiles {
  socketPath: string;
  logPath: string;
  root: string | undefined;
  runroot: string | undefined;
}

function serviceFiles(dir: string, options: SpawnServiceOptions): ServiceFiles {
  const isPrivate = options.storage === "private";
  return {
    socketPath: options.socketPath ?? `${dir}/podman.sock`,
    logPath: `${dir}/service.log`,
    root: isPrivate ? `${dir}/root` : options.root,
    runroot: isPrivate ? `${dir}/runroot` : options.runroot,
  };
}

/**
 * Makes a chosen socket's directory, and refuses a path where a service already answers:
 * Podman would unlink that socket and take the path over from under its owner.
 */
async function claimSocketPath(socketPath: string): Promise<void> {
  if (await ping(socketPath)) {
    throw new PodmanError(`${SPAWN_ACTION}: a service already answers on ${socketPath}`);
  }
  const parent = socketPath.slice(0, socketPath.lastIndexOf("/")) || "/";
  try {
    await files.mkdir(parent, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new PodmanError(
      `${SPAWN_ACTION}: cannot create the socket's directory ${parent}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}

/**
 * Whether the service answers on `socketPath`. A missing Deno permission for the socket fails
 * at once, with Deno's words (which name the flag): waiting out the start timeout cannot
 * bring it.
 */
async function ping(socketPath: string): Promise<boolean> {
  try {
    return await pingSocket(socketPath, { timeoutMs: 2_000 });
  } catch (error) {
    if (isPermissionError(error)) {
      throw new PodmanError(`${SPAWN_ACTION}: ${errorMessage(error)}`, { cause: error });
    }
    throw error;
  }
}

function podmanArgs(files: ServiceFiles, options: SpawnServiceOptions): string[] {
  const { socketPath, root, runroot } = files;
  if (new TextEncoder().encode(socketPath).length > MAX_SOCKET_PATH) {
    throw new PodmanError(
      `${SPAWN_ACTION}: the socket path ${socketPath} is longer than a unix socket allows ` +
        "(set TMPDIR to a shorter directory)",
    );
  }
  if (options.storage === "private" && runroot!.length > MAX_RUNROOT) {
    throw new PodmanError(
      `${SPAWN_ACTION}: the private runroot ${runroot} is longer than the ${MAX_RUNROOT} ` +
        "characters Podman allows (set TMPDIR to a shorter directory)",
    );
  }
  return [
    // The service runs here, whatever CONTAINER_HOST or CONTAINER_CONNECTION the script has:
    // either would make `podman` a remote client, which has no --root and no service.
    "--remote=false",
    ...(root === undefined ? [] : ["--root", root]),
    ...(runroot === undefined ? [] : ["--runroot", runroot]),
    ...(options.storageDriver === undefined ? [] : ["--storage-driver", options.storageDriver]),
    "--log-level",
    options.logLevel ?? "warn",
    "system",
    "service",
    "--time",
    "0",
    `unix://${socketPath}`,
  ];
}
