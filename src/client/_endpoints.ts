import { readEnv } from "../config/_read_env.ts";
import { readPodmanConnections } from "../config/podman_connections.ts";
import { openSshTunnel, type SshTunnelOptions } from "../service/ssh_tunnel.ts";
import { baseUrlProblem, parseBaseUrl } from "./_base_url.ts";
import { tcpTransport, unixSocketTransport } from "../transport/socket_transport.ts";
import type { Transport } from "../transport/transport.ts";

/**
 * Makes the transport for a base URL in any form Podman accepts (see `parseBaseUrl`):
 * `unix:///abs/path.sock`, `unix:/abs/path.sock`, `tcp://host:port`, and podman-py's
 * `http+unix://` and `http://host:port`.
 *
 * @throws {RangeError} When the URL is not one of those forms, or is an `ssh://` URL.
 */
export function transportFor(baseUrl: string): Transport {
  const target = parseBaseUrl(baseUrl);
  if (target.kind === "unix") return unixSocketTransport(target.socketPath);
  if (target.kind === "tcp") return tcpTransport(target.origin);
  throw new RangeError(
    `Cannot connect to Podman: "${target.destination.url}" needs an SSH tunnel; ` +
      "use openEndpoint()",
  );
}

/** Whether a base URL needs an SSH tunnel. */
export function isSshUrl(baseUrl: string): boolean {
  return /^ssh:/i.test(baseUrl);
}

/** A transport plus whatever keeps it alive (an SSH tunnel), released together. */
export interface Endpoint {
  /** Speaks HTTP to the service. */
  transport: Transport;
  /** False once what the transport needs is gone (ssh exited); a direct one stays true. */
  isAlive(): boolean;
  /** Closes the transport and stops what it needs. */
  close(): Promise<void>;
}

/** An endpoint that is just a transport. */
export function directEndpoint(transport: Transport): Endpoint {
  return { transport, isAlive: () => true, close: () => Promise.resolve(transport.close()) };
}

/** How to reach an `ssh://` base URL; see `PodmanClientOptions`. */
export type SshConnectOptions = Pick<
  SshTunnelOptions,
  "identity" | "hostKeyChecking" | "knownHostsFile" | "action" | "signal"
>;

/**
 * Opens a base URL: a direct transport for `unix://`, `tcp://` and `http://`; for
 * `ssh://`, an SSH tunnel to the remote socket and a unix-socket transport over it, whose
 * errors name the `ssh://` URL.
 *
 * @throws {RangeError} When the URL is malformed.
 * @throws {ConnectionError} (as a rejection) When the SSH tunnel cannot be opened.
 */
export async function openEndpoint(baseUrl: string, ssh: SshConnectOptions): Promise<Endpoint> {
  const target = parseBaseUrl(baseUrl);
  if (target.kind !== "ssh") return directEndpoint(transportFor(baseUrl));
  const { destination } = target;
  const tunnel = await openSshTunnel(destination, ssh);
  const local = unixSocketTransport(tunnel.localSocketPath);
  return {
    transport: {
      origin: local.origin,
      description: destination.url,
      fetch: (url, init) => local.fetch(url, init),
      close: () => local.close(),
    },
    isAlive: () => !tunnel.exited(),
    close: async () => {
      local.close();
      await tunnel.close();
    },
  };
}

/** One place discovery looks for the service, and why it was chosen. */
export interface Candidate {
  /** The base URL to try. */
  baseUrl: string;
  /** Where it came from, for the error listing every place tried. */
  source: string;
  /** The private key recorded with it (named connections, `CONTAINER_SSHKEY`). */
  identity?: string | undefined;
  /** Why it cannot be tried at all (an unreadable config file), for the same listing. */
  problem?: string | undefined;
}

/**
 * The places to look for a Podman service when no base URL is given, in the order the
 * `podman` command and Docker clients use: `CONTAINER_HOST` (with `CONTAINER_SSHKEY`),
 * `DOCKER_HOST`, the connection named by `CONTAINER_CONNECTION`, the default named
 * connection, the rootless socket under `$XDG_RUNTIME_DIR`, then the rootful socket.
 */
export async function discoveryCandidates(): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  const containerHost = readEnv("CONTAINER_HOST");
  if (containerHost) {
    candidates.push({
      baseUrl: containerHost,
      source: "CONTAINER_HOST",
      identity: readEnv("CONTAINER_SSHKEY"),
    });
  }
  const dockerHost = readEnv("DOCKER_HOST");
  if (dockerHost) candidates.push({ baseUrl: dockerHost, source: "DOCKER_HOST" });
  candidates.push(...await namedCandidates());
  const runtimeDir = readEnv("XDG_RUNTIME_DIR");
  if (runtimeDir) {
    candidates.push({
      baseUrl: `unix://${runtimeDir}/podman/podman.sock`,
      source: "XDG_RUNTIME_DIR",
    });
  }
  candidates.push({ baseUrl: "unix:///run/podman/podman.sock", source: "default rootful socket" });
  // A malformed URL (in CONTAINER_HOST, say) is listed with the reason, and not tried.
  return candidates.map((candidate) => {
    const problem = candidate.problem ?? baseUrlProblem(candidate.baseUrl);
    return problem === undefined ? candidate : { ...candidate, problem };
  });
}

async function namedCandidates(): Promise<Candidate[]> {
  let found;
  try {
    found = await readPodmanConnections();
  } catch (error) {
    return [{ baseUrl: "named connections", source: "config", problem: (error as Error).message }];
  }
  const candidates: Candidate[] = [];
  const wanted: [string, string][] = [];
  const fromEnv = readEnv("CONTAINER_CONNECTION");
  if (fromEnv) wanted.push([fromEnv, "CONTAINER_CONNECTION"]);
  if (found.defaultName && found.defaultName !== fromEnv) {
    wanted.push([found.defaultName, `default connection from ${found.defaultSource}`]);
  }
  for (const [name, why] of wanted) {
    const connection = found.connections.get(name);
    candidates.push(
      connection
        ? {
          baseUrl: connection.uri,
          source: `connection "${name}", ${why}`,
          identity: connection.identity,
        }
        : {
          baseUrl: `connection "${name}"`,
          source: why,
          problem: `no such connection in ${found.searched.join(", ") || "any config file"}`,
        },
    );
  }
  return candidates;
}
