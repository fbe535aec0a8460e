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

/** Options for {@linkcode spawnService} and `PodmanClient.spawn()`. */
export interface SpawnServiceOptions {
  /**
   * The Podman program: a name looked up on `PATH`, or a path.
   * @default {"podman"}
   */
  podmanPath?: string;
  /**
   * Which image storage the service uses. `"default"` is the storage every `podman`
   * command of this user sees; `"private"` is a new, empty `--root` and `--runroot` inside
   * the service's temp directory, removed with it on close.
   * @default {"default"}
   */
  storage?: "default" | "private";
  /** Podman's `--root`: where images live. Cannot be combined with `storage: "private"`. */
  root?: string;
  /** Podman's `--runroot`: runtime state. Cannot be combined with `storage: "private"`. */
  runroot?: string;
  /**
   * Podman's `--storage-driver`, e.g. `"vfs"`, which works without kernel overlay support
   * (in containers, in CI). Podman's configured driver when left out.
   */
  storageDriver?: string;
  /** A `registries.conf` for the service, passed as `CONTAINERS_REGISTRIES_CONF`. */
  registriesConf?: string;
  /**
   * Where the service listens, as an absolute path: for example
   * `$XDG_RUNTIME_DIR/podman/podman.sock`, where `podman --remote` and `new PodmanClient()`
   * look first, so that other programs find the service too. Its directory is made if
   * missing. A service that already answers there is an error, not replaced.
   * @default {"podman.sock in the service's temp directory"}
   */
  socketPath?: string;
  /**
   * Variables added to the service's environment, e.g. `{ BUILDAH_ISOLATION: "chroot" }` to
   * run build steps without an OCI runtime.
   * @default {{}}
   */
  env?: Record<string, string>;
  /**
   * Podman's `--log-level` for the service's log, which failures quote.
   * @default {"warn"}
   */
  logLevel?: "debug" | "info" | "warn" | "error";
  /**
   * How long to wait, in milliseconds, for the new service to answer `/_ping`.
   * @default {20000}
   */
  startTimeout?: number;
  /**
   * How long, in milliseconds, the service may take to exit after SIGTERM before it is
   * killed with SIGKILL.
   * @default {5000}
   */
  stopTimeout?: number;
  /**
   * Stop the service when the script receives SIGINT or SIGTERM, then raise the signal
   * again. Turn off in an application that handles these signals itself and closes the
   * client there. The service is stopped at a normal exit without `close()` either way.
   * @default {true}
   */
  handleSignals?: boolean;
  /** Aborts the start; a half-started service is stopped and its directory removed. */
  signal?: AbortSignal;
}

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
const ACTION = "Cannot spawn a Podman service";

/**
 * Checks spawn options before anything is started.
 *
 * @param options The options to check.
 * @throws {TypeError} For a value of the wrong type or a contradiction.
 * @throws {RangeError} For a timeout that is not a positive number.
 *
 * @example
 * ```ts
 * import { validateSpawnOptions } from "./spawn_service.ts";
 * import assert from "node:assert/strict";
 *
 * validateSpawnOptions({ storage: "private", storageDriver: "vfs" });
 * assert.throws(
 *   () => validateSpawnOptions({ storage: "private", root: "/var/lib/mine" }),
 *   { name: "TypeError", message: /storage "private" makes its own root/ },
 * );
 * ```
 */
export function validateSpawnOptions(options: SpawnServiceOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${ACTION}: options must be an object`);
  }
  for (
    const key of [
      "podmanPath",
      "root",
      "runroot",
      "storageDriver",
      "registriesConf",
      "socketPath",
    ] as const
  ) {
    const value = options[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new TypeError(`${ACTION}: ${key} must be a non-empty string`);
    }
  }
  if (options.socketPath !== undefined && !options.socketPath.startsWith("/")) {
    throw new TypeError(`${ACTION}: socketPath must be an absolute path`);
  }
  if (
    options.storage !== undefined && options.storage !== "default" && options.storage !== "private"
  ) {
    throw new RangeError(`${ACTION}: storage must be "default" or "private"`);
  }
  if (
    options.storage === "private" && (options.root !== undefined || options.runroot !== undefined)
  ) {
    throw new TypeError(
      `${ACTION}: storage "private" makes its own root and runroot; leave out root and runroot`,
    );
  }
  if (
    options.logLevel !== undefined &&
    !["debug", "info", "warn", "error"].includes(options.logLevel)
  ) {
    throw new RangeError(`${ACTION}: logLevel must be "debug", "info", "warn" or "error"`);
  }
  if (options.env !== undefined) {
    if (typeof options.env !== "object" || options.env === null) {
      throw new TypeError(`${ACTION}: env must be an object of strings`);
    }
    for (const [name, value] of Object.entries(options.env)) {
      if (typeof value !== "string") {
        throw new TypeError(`${ACTION}: env.${name} must be a string`);
      }
    }
  }
  for (const key of ["startTimeout", "stopTimeout"] as const) {
    const value = options[key];
    if (
      value !== undefined && !(typeof value === "number" && value > 0 && Number.isFinite(value))
    ) {
      throw new RangeError(`${ACTION}: ${key} must be a positive number of milliseconds`);
    }
  }
}

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
    fail: (why, cause) => new PodmanError(`${ACTION}: ${why}`, { cause }),
    isReady: (dir) => ping(serviceFiles(dir, options).socketPath),
    async notReady(outcome, process) {
      const why = outcome === "exited"
        ? `it exited with code ${(await process.status).code}`
        : `it did not answer /_ping within ${startTimeout / 1000} s`;
      return new PodmanError(`${ACTION}: ${why}\n--- service log ---\n${await process.tail()}`);
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
    throw new PodmanError(`${ACTION}: a service already answers on ${socketPath}`);
  }
  const parent = socketPath.slice(0, socketPath.lastIndexOf("/")) || "/";
  try {
    await Deno.mkdir(parent, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new PodmanError(
      `${ACTION}: cannot create the socket's directory ${parent}: ${errorMessage(error)}`,
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
      throw new PodmanError(`${ACTION}: ${errorMessage(error)}`, { cause: error });
    }
    throw error;
  }
}

function podmanArgs(files: ServiceFiles, options: SpawnServiceOptions): string[] {
  const { socketPath, root, runroot } = files;
  if (new TextEncoder().encode(socketPath).length > MAX_SOCKET_PATH) {
    throw new PodmanError(
      `${ACTION}: the socket path ${socketPath} is longer than a unix socket allows ` +
        "(set TMPDIR to a shorter directory)",
    );
  }
  if (options.storage === "private" && runroot!.length > MAX_RUNROOT) {
    throw new PodmanError(
      `${ACTION}: the private runroot ${runroot} is longer than the ${MAX_RUNROOT} ` +
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
