/**
 * A private Podman API service for the tests: its own storage, runroot and
 * `registries.conf` in a temp directory, so a run neither sees nor changes the machine's
 * images.
 *
 * @module
 */

import { type LoggedProcess, removeDir, spawnLogged, waitUntilReady } from "./_process.ts";
import {
  podmanEnv,
  type PodmanResult,
  type PodmanStorage,
  podmanStorageFlags,
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
  /** Aborts the start; the half-started service is cleaned up. */
  signal?: AbortSignal;
}

/** A running Podman service started by {@linkcode startPodmanService}. */
export interface PodmanService extends PodmanStorage, AsyncDisposable {
  /** The temp directory that holds everything below. */
  readonly dir: string;
  /** The API socket; use `http://libpod/...` URLs on it. */
  readonly socketPath: string;
  /** Runs the Podman CLI against this service's storage. */
  podman(args: readonly string[]): Promise<PodmanResult>;
  /** Stops the service and removes its directory. Safe to call more than once. */
  stop(): Promise<void>;
}

// sockaddr_un.sun_path is 108 bytes on Linux, including the final NUL.
const MAX_SOCKET_PATH = 107;

/**
 * Starts `podman system service` on a unix socket in a fresh temp directory, with vfs
 * storage and a `registries.conf` that marks `insecureRegistries` as plain HTTP.
 *
 * @param options Registries and timing.
 * @returns The running service, once `GET /_ping` answers 200.
 * @throws {Error} When the service does not come up; the message ends with its log.
 */
export async function startPodmanService(
  options: PodmanServiceOptions = {},
): Promise<PodmanService> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-podman-" });
  const storage: PodmanStorage = {
    root: `${dir}/root`,
    runroot: `${dir}/runroot`,
    registriesConf: `${dir}/registries.conf`,
  };
  const socketPath = `${dir}/podman.sock`;
  const logPath = `${dir}/service.log`;
  let daemon: LoggedProcess | undefined;
  try {
    if (new TextEncoder().encode(socketPath).length > MAX_SOCKET_PATH) {
      throw new Error(`Socket path is too long for a unix socket: ${socketPath}`);
    }
    await Deno.writeTextFile(
      storage.registriesConf,
      registriesConf(options.insecureRegistries ?? []),
    );
    daemon = await spawnLogged(
      "podman",
      [
        ...podmanStorageFlags(storage),
        // Info level logs startup and one line per request: what a failed start needs.
        "--log-level",
        "info",
        "system",
        "service",
        "--time",
        "0",
        `unix://${socketPath}`,
      ],
      { logPath, env: podmanEnv(storage.registriesConf) },
    );
    const readiness = await waitUntilReady(daemon, () => pingOk(socketPath), {
      timeoutMs: options.startTimeoutMs ?? 20_000,
      signal: options.signal,
    });
    if (readiness !== "ready") {
      const why = readiness === "exited"
        ? `it exited with code ${(await daemon.status).code}`
        : `/_ping did not answer 200 within ${(options.startTimeoutMs ?? 20_000) / 1000} s`;
      throw new Error(
        `Cannot start the Podman service: ${why}\n--- service log ---\n${await daemon.tail()}`,
      );
    }
  } catch (error) {
    await daemon?.stop();
    await removeDir(dir);
    throw error;
  }

  const running = daemon;
  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= (async () => {
      await running.stop();
      await removeDir(dir);
    })();
    return stopping;
  }

  return {
    dir,
    socketPath,
    ...storage,
    podman: (args) => runPodman(storage, args),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function registriesConf(insecureRegistries: readonly string[]): string {
  // No search registries, so a short name resolves nowhere; but the aliases in
  // /etc/containers/registries.conf.d/shortnames.conf still apply ("alpine" -> docker.io).
  const lines = ["unqualified-search-registries = []", ""];
  for (const location of insecureRegistries) {
    lines.push("[[registry]]", `location = ${JSON.stringify(location)}`, "insecure = true", "");
  }
  return lines.join("\n");
}

async function pingOk(socketPath: string): Promise<boolean> {
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path: socketPath } });
  try {
    // Always "libpod" as the host, as everywhere in the project.
    const response = await fetch("http://libpod/_ping", {
      client,
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    // Until the service has created the socket the connection fails; that means "not yet".
    return false;
  } finally {
    client.close();
  }
}
