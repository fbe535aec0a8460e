import { parseBaseUrl } from "./_base_url.ts";
import type { Transport } from "../transport/transport.ts";

/** Options for {@linkcode PodmanClient}. */
export interface PodmanClientOptions {
  /**
   * Where the service listens, in any form `podman --url` accepts: `unix:///abs/path.sock`,
   * `unix:/abs/path.sock`, `tcp://host:port`, or `ssh://[user@]host[:port][/path/to/podman.sock]`
   * for a remote service reached through the system's OpenSSH client (see `identity`; without
   * a path, the socket the remote `podman info` reports); also podman-py's `http+unix://` and
   * `http://host:port`. A Unix socket path must be absolute
   * (`unix://run/podman/podman.sock` means `/run/podman/podman.sock`, as in Podman).
   *
   * When neither this nor `connection` is given, the client looks at `CONTAINER_HOST`
   * (with `CONTAINER_SSHKEY`), `DOCKER_HOST`, the connection named by `CONTAINER_CONNECTION`,
   * Podman's default connection, `$XDG_RUNTIME_DIR/podman/podman.sock` and
   * `/run/podman/podman.sock`, in that order, and uses the first that answers.
   * @default {undefined}
   */
  baseUrl?: string;
  /**
   * The name of a connection recorded by `podman system connection add`, read from
   * `$XDG_CONFIG_HOME/containers/podman-connections.json` or from `containers.conf`
   * (`[engine.service_destinations.NAME]`). Cannot be combined with `baseUrl`.
   * @default {undefined}
   */
  connection?: string;
  /**
   * Private key for `ssh://` URLs (ssh's `-i`); overrides the connection's recorded
   * identity. ssh's own keys and agent are used when neither is set.
   * @default {undefined}
   */
  identity?: string;
  /**
   * Check the SSH host key against the known hosts (`StrictHostKeyChecking=yes`): an
   * unknown or changed key fails the connection. `false` accepts any host key and records
   * none, which lets anyone on the network path pose as the host: only for throwaway hosts.
   * @default {true}
   */
  sshHostKeyChecking?: boolean;
  /**
   * A known_hosts file to check SSH host keys against, instead of `~/.ssh/known_hosts`.
   * @default {undefined}
   */
  sshKnownHostsFile?: string;
  /** A ready transport; takes precedence over `baseUrl`. The client closes it on `close()`. */
  transport?: Transport;
  /**
   * How many requests the client runs at once, and so about how many connections it holds to
   * the service (under load, Deno may open one or two more for a moment before a finished
   * request's connection is back in its pool); more wait their turn, in order. A streaming
   * operation (pull, push, build, load, save) holds its place until its body is over or it is
   * unsubscribed. Waiting requests can still be unsubscribed or aborted, and `close()` ends
   * them too.
   * @default {10}
   */
  maxConnections?: number;
  /**
   * The libpod API version to use in the `/v{version}/libpod/` prefix. Read from the server
   * (`Libpod-API-Version`) on first use when left out.
   */
  apiVersion?: string;
  /**
   * Registry credentials the user already has, sent with the requests that talk to a registry
   * (pull, push, search, registry data, a build's base images, manifest and artifact pushes and
   * pulls) when the call gives no `authConfig` of its own, as `podman --remote` does: from the
   * auth files `podman login` and `docker login` write and the credential helpers they name
   * (see README "Credentials"). `true`: the default files (`REGISTRY_AUTH_FILE` alone when
   * set); `{ authfile }`: that file alone; `false`: none, so the service uses its own.
   * @default {true}
   */
  credentials?: boolean | { authfile: string };
}

/**
 * Checks the options' types and combinations, and parses a given URL, so that a malformed one
 * fails when the client is made, not on first use.
 *
 * @throws {TypeError} For a wrong type, or `baseUrl` with `connection`.
 * @throws {RangeError} For a URL in a form Podman does not accept, or a `maxConnections` that
 * is not a whole number of at least 1.
 */
export function validateClientOptions(options: PodmanClientOptions): void {
  for (const key of ["baseUrl", "connection", "identity", "sshKnownHostsFile"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "string") {
      throw new TypeError(`Cannot create PodmanClient: ${key} must be a string`);
    }
  }
  if (
    options.sshHostKeyChecking !== undefined && typeof options.sshHostKeyChecking !== "boolean"
  ) {
    throw new TypeError("Cannot create PodmanClient: sshHostKeyChecking must be a boolean");
  }
  const { maxConnections } = options;
  if (maxConnections !== undefined) {
    if (typeof maxConnections !== "number") {
      throw new TypeError("Cannot create PodmanClient: maxConnections must be a number");
    }
    if (!Number.isInteger(maxConnections) || maxConnections < 1) {
      throw new RangeError(
        `Cannot create PodmanClient: maxConnections must be a whole number of at least 1, got ${maxConnections}`,
      );
    }
  }
  const { credentials } = options;
  if (
    credentials !== undefined && typeof credentials !== "boolean" &&
    (typeof credentials !== "object" || credentials === null ||
      typeof credentials.authfile !== "string" || credentials.authfile === "")
  ) {
    throw new TypeError(
      "Cannot create PodmanClient: credentials must be true, false or { authfile: string }",
    );
  }
  if (options.baseUrl !== undefined && options.connection !== undefined) {
    throw new TypeError("Cannot create PodmanClient: give either baseUrl or connection");
  }
  if (options.connection === "") {
    throw new TypeError("Cannot create PodmanClient: connection must not be empty");
  }
  if (options.baseUrl !== undefined && !options.transport) parseBaseUrl(options.baseUrl);
}
