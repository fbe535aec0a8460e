/**
 * What a spawned Podman service is to be: its program, storage, socket, environment and
 * timing, and the checks those options pass before anything is started.
 *
 * @module
 */

import { SPAWN_ACTION } from "./_spawn_action.ts";

/** Options for `spawnService()` (spawn_service.ts) and `PodmanClient.spawn()`. */
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

/**
 * Checks spawn options before anything is started.
 *
 * @param options The options to check.
 * @throws {TypeError} For a value of the wrong type or a contradiction.
 * @throws {RangeError} For a timeout that is not a positive number.
 *
 * @example
 * ```ts
 * import { validateSpawnOptions } from "./spawn_service_options.ts";
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
    throw new TypeError(`${SPAWN_ACTION}: options must be an object`);
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
      throw new TypeError(`${SPAWN_ACTION}: ${key} must be a non-empty string`);
    }
  }
  if (options.socketPath !== undefined && !options.socketPath.startsWith("/")) {
    throw new TypeError(`${SPAWN_ACTION}: socketPath must be an absolute path`);
  }
  if (
    options.storage !== undefined && options.storage !== "default" && options.storage !== "private"
  ) {
    throw new RangeError(`${SPAWN_ACTION}: storage must be "default" or "private"`);
  }
  if (
    options.storage === "private" && (options.root !== undefined || options.runroot !== undefined)
  ) {
    throw new TypeError(
      `${SPAWN_ACTION}: storage "private" makes its own root and runroot; leave out root and runroot`,
    );
  }
  if (
    options.logLevel !== undefined &&
    !["debug", "info", "warn", "error"].includes(options.logLevel)
  ) {
    throw new RangeError(`${SPAWN_ACTION}: logLevel must be "debug", "info", "warn" or "error"`);
  }
  if (options.env !== undefined) {
    if (typeof options.env !== "object" || options.env === null) {
      throw new TypeError(`${SPAWN_ACTION}: env must be an object of strings`);
    }
    for (const [name, value] of Object.entries(options.env)) {
      if (typeof value !== "string") {
        throw new TypeError(`${SPAWN_ACTION}: env.${name} must be a string`);
      }
    }
  }
  for (const key of ["startTimeout", "stopTimeout"] as const) {
    const value = options[key];
    if (
      value !== undefined && !(typeof value === "number" && value > 0 && Number.isFinite(value))
    ) {
      throw new RangeError(`${SPAWN_ACTION}: ${key} must be a positive number of milliseconds`);
    }
  }
}
