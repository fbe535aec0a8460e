/**
 * Where an `ssh://` base URL points: the user, host, port and remote socket path it names.
 *
 * @module
 */

/** Where an `ssh://` base URL points; see {@linkcode parseSshUrl}. */
export interface SshDestination {
  /** The remote user; ssh's own default (the local user, or `User` in ssh_config) when unset. */
  user: string | undefined;
  /** Host name or address, without IPv6 brackets. */
  host: string;
  /** The SSH port; ssh's own default (22, or `Port` in ssh_config) when unset. */
  port: number | undefined;
  /**
   * Path of the Podman socket on the remote host; `undefined` when the URL has none, and
   * `openSshTunnel()` (ssh_tunnel.ts) asks the remote `podman info` for it.
   */
  socketPath: string | undefined;
  /** The URL as it may appear in messages. */
  url: string;
}

/**
 * Reads an `ssh://[user@]host[:port][/path/to/podman.sock]` base URL, as `podman system
 * connection` writes them; without a path (or with just `/`), the socket is the one the
 * remote host reports, as `podman system connection add` takes it.
 *
 * @param baseUrl The URL.
 * @returns Its parts.
 * @throws {RangeError} When it is not such a URL, has no host, a socket path with `:` in it,
 * or carries a password (which the message does not repeat).
 *
 * @example
 * ```ts
 * import { parseSshUrl } from "./ssh_url.ts";
 * import assert from "node:assert/strict";
 *
 * const destination = parseSshUrl("ssh://core@10.0.0.5:2222/run/user/1000/podman/podman.sock");
 * assert.ok(destination.port === 2222 && destination.user === "core");
 * ```
 */
export function parseSshUrl(baseUrl: string): SshDestination {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new RangeError(`Cannot connect to Podman: "${baseUrl}" is not a URL`);
  }
  if (url.protocol !== "ssh:") {
    throw new RangeError(`Cannot connect to Podman over SSH: "${baseUrl}" is not an ssh:// URL`);
  }
  const display = `ssh://${url.username ? `${url.username}@` : ""}${url.host}${url.pathname}`;
  if (url.password) {
    throw new RangeError(
      `Cannot connect to Podman over SSH at ${display}: passwords in the URL are not supported; ` +
        "use an identity (private key) or an SSH agent",
    );
  }
  if (!url.hostname) {
    throw new RangeError(`Cannot connect to Podman over SSH: "${display}" has no host`);
  }
  const path = decodeURIComponent(url.pathname);
  // As in Podman: no path, or just "/", means "ask the remote host".
  const socketPath = path === "" || path === "/" ? undefined : path;
  if (socketPath?.includes(":")) {
    // ssh's -L takes LOCAL:REMOTE, with no way to escape a colon.
    throw new RangeError(
      `Cannot connect to Podman over SSH at ${display}: the socket path contains ":"`,
    );
  }
  return {
    user: url.username ? decodeURIComponent(url.username) : undefined,
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : undefined,
    socketPath,
    url: display,
  };
}
