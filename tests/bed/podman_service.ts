/**
 * A private Podman API service for the tests: its own storage, runroot and
 * `registries.conf` in temp directories, so a run neither sees nor changes the machine's
 * images. It is started with the library's own `PodmanClient.spawn()`.
 *
 * @module
 */

import { PodmanClient } from "../../src/podman/podman_client.ts";
import { removeDir } from "./_process.ts";
import {
  podmanEnv,
  podmanProgram,
  type PodmanResult,
  type PodmanStorage,
  runPodman,
} from "./env.ts";

/** Options for {@linkcode startPodmanService}. */
export interface PodmanServiceOptions {
  /**
   * Registry addresses (`host:port`) that Podman may reach over plain HTTP.
   * @default {[]}
   */
  insecureRegistries?: readonly string[];
  /**
   * How long to wait for `/_ping` to answer.
   * @default {20000}
   */
  startTimeoutMs?: number;
  /**
   * Run as a user other than root, listen where the user's own service does
   * (`$XDG_RUNTIME_DIR/podman/podman.sock`) rather than in the service's temp directory. One
   * service at a time can.
   * @default {true}
   */
  userSocket?: boolean;
  /** Aborts the start; the half-started service is cleaned up. */
  signal?: AbortSignal;
}

/** A running Podman service started by {@linkcode startPodmanService}. */
export interface PodmanService extends PodmanStorage, AsyncDisposable {
  /** The service's temp directory (socket, log, storage). */
  readonly dir: string;
  /** The service's log. */
  readonly logPath: string;
  /** The API socket; use `http://libpod/...` URLs on it. */
  readonly socketPath: string;
  /** Process id of `podman system service`. */
  readonly pid: number;
  /** Runs the Podman CLI against this service's storage. */
  podman(args: readonly string[]): Promise<PodmanResult>;
  /** Stops the service and removes its directories. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts `podman system service` with `PodmanClient.spawn()`: private vfs storage, chroot
 * build isolation, and a `registries.conf` that marks `insecureRegistries` as plain HTTP.
 *
 * @param options Registries and timing.
 * @returns The running service, once `GET /_ping` answers 200.
 * @throws {PodmanError} When the service does not come up; the message ends with its log.
 */
export async function startPodmanService(
  options: PodmanServiceOptions = {},
): Promise<PodmanService> {
  // registries.conf must exist before the service starts, so it lives next to the service's
  // own directory rather than in it.
  const confDir = await Deno.makeTempDir({ prefix: "podrx-podman-conf-" });
  const registriesConf = `${confDir}/registries.conf`;
  let client: PodmanClient;
  try {
    await Deno.writeTextFile(registriesConf, registriesConfText(options.insecureRegistries ?? []));
    client = await PodmanClient.spawn({
      podmanPath: podmanProgram(),
      storage: "private",
      // vfs needs no kernel overlay support and no fuse-overlayfs, so it works in any container.
      storageDriver: "vfs",
      registriesConf,
      ...(options.userSocket === false ? {} : rootlessSocket()),
      env: {
        ...podmanEnv(registriesConf),
        // Podman 4.3 keeps build cache mounts in $TMPDIR/buildah-cache (/var/tmp by default)
        // for every user alike, so where root built with one first (CI's earlier legs), a
        // rootless RUN --mount=type=cache cannot write there. A temp directory of the bed's own.
        ...(Deno.uid() === 0 ? {} : { TMPDIR: confDir }),
      },
      // Info level logs startup and one line per request: what a failed start needs.
      logLevel: "info",
      startTimeout: options.startTimeoutMs ?? 20_000,
      // tests/run.ts handles SIGINT and SIGTERM itself and stops the service in its cleanup.
      handleSignals: false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    await removeDir(confDir);
    throw error;
  }

  const service = client.service!;
  const storage: PodmanStorage = {
    root: service.root!,
    runroot: service.runroot!,
    registriesConf,
  };
  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= (async () => {
      try {
        await client.close();
      } finally {
        // A rootless service's TMPDIR: a build it abandoned leaves a directory of subordinate
        // ids there (buildahNNN/mnt), which only Podman's user namespace may remove.
        await removeDir(confDir, Deno.uid() === 0 ? {} : { unshareWith: podmanProgram() });
      }
    })();
    return stopping;
  }

  return {
    dir: service.dir,
    logPath: service.logPath,
    socketPath: service.socketPath,
    pid: service.pid,
    ...storage,
    podman: (args) => runPodman(storage, args),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Run as a user other than root (CI's rootless leg), the bed's service listens where a
 * rootless user's own service does, `$XDG_RUNTIME_DIR/podman/podman.sock`, so that the tests
 * can check that `new PodmanClient()` finds it there. Its storage stays private.
 */
function rootlessSocket(): { socketPath?: string } {
  if (Deno.uid() === 0) return {};
  const runtimeDir = Deno.env.get("XDG_RUNTIME_DIR");
  if (!runtimeDir) {
    throw new Error(
      "the rootless test bed needs XDG_RUNTIME_DIR (its service's socket lives there)",
    );
  }
  return { socketPath: `${runtimeDir}/podman/podman.sock` };
}

/**
 * The bed's `registries.conf`: no search registries, and `insecureRegistries` reached over
 * plain HTTP. Also written by bench/soak.ts, whose service restarts on one storage.
 *
 * @param insecureRegistries Registry addresses (`host:port`).
 * @returns The file's text.
 */
export function registriesConfText(insecureRegistries: readonly string[]): string {
  // No search registries, so a short name resolves nowhere; but the aliases in
  // /etc/containers/registries.conf.d/shortnames.conf still apply ("alpine" -> docker.io).
  const lines = ["unqualified-search-registries = []", ""];
  for (const location of insecureRegistries) {
    lines.push("[[registry]]", `location = ${JSON.stringify(location)}`, "insecure = true", "");
  }
  return lines.join("\n");
}
