import { parseSshUrl, type SshDestination } from "../service/ssh_url.ts";

/** Where a base URL points; see {@linkcode parseBaseUrl}. */
export type BaseUrl =
  | { kind: "unix"; socketPath: string }
  | { kind: "tcp"; origin: string }
  | { kind: "ssh"; destination: SshDestination };

const ACTION = "Cannot connect to Podman";

/**
 * Reads a base URL the way Podman's own `--url`, `CONTAINER_HOST` and named connections do,
 * plus podman-py's `http+unix://` and `http://`:
 *
 * - `unix:///abs/path.sock` and `unix:/abs/path.sock`; query and fragment are ignored.
 * - `unix://run/podman/podman.sock` means `/run/podman/podman.sock`: Podman takes the host
 *   as the first directory, so such a path is never relative.
 * - `tcp://host:port`, `http://host:port`; `ssh://[user@]host[:port][/path/to/podman.sock]`
 *   (without a path, the SSH tunnel asks the remote host for its socket).
 *
 * @param baseUrl The URL.
 * @returns What it points at.
 * @throws {RangeError} For a malformed URL, a relative or missing socket path (`unix:x.sock`,
 * `unix://x.sock`, `unix://`), a TCP URL without host and port, a scheme Podman does not
 * accept, or a malformed `ssh://` URL.
 */
export function parseBaseUrl(baseUrl: string): BaseUrl {
  // A password in the URL never reaches a message.
  const shown = baseUrl.replace(/^([a-z+]*:\/\/[^/@:]*):[^/@]*@/i, "$1:***@");
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new RangeError(
      baseUrl.startsWith("/")
        ? `${ACTION}: "${shown}" has no scheme; use "unix://${shown}"`
        : `${ACTION}: "${shown}" is not a URL`,
    );
  }
  switch (url.protocol) {
    case "unix:":
    case "http+unix:":
      return { kind: "unix", socketPath: unixSocketPath(url, shown) };
    case "tcp:":
    case "http:":
      if (!url.hostname || !url.port) {
        throw new RangeError(`${ACTION}: "${shown}" needs a host and a port (tcp://host:port)`);
      }
      return { kind: "tcp", origin: `http://${url.host}` };
    case "ssh:":
      return { kind: "ssh", destination: parseSshUrl(baseUrl) };
  }
  throw new RangeError(
    `${ACTION}: unsupported URL scheme "${url.protocol}" in "${shown}" ` +
      "(use unix://, tcp://, http:// or ssh://)",
  );
}

/**
 * Why a base URL cannot be used, without the "Cannot connect to Podman: " that
 * {@linkcode parseBaseUrl} starts with, for messages that name the action themselves; or
 * `undefined` for a URL it accepts.
 */
export function baseUrlProblem(baseUrl: string): string | undefined {
  try {
    parseBaseUrl(baseUrl);
    return undefined;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return error.message.replace(/^Cannot connect to Podman(?: over SSH)?(?:: | at )/, "");
  }
}

function unixSocketPath(url: URL, shown: string): string {
  let host: string;
  let path: string;
  try {
    host = decodeURIComponent(url.host);
    path = decodeURIComponent(url.pathname);
  } catch {
    throw new RangeError(`${ACTION}: "${shown}" is not a URL (malformed %-escape)`);
  }
  if (host === "" && (path === "" || path === "/")) {
    throw new RangeError(`${ACTION}: "${shown}" has no socket path`);
  }
  // `unix:x.sock` has no leading slash and `unix://x.sock` only a host: Podman would dial
  // "/" and "/x.sock/", neither of which can be a socket, so the user meant a relative path.
  const relative = host === "" ? !path.startsWith("/") : path === "" && !host.startsWith("/");
  if (relative) {
    throw new RangeError(
      `${ACTION}: the socket path in "${shown}" must be absolute ` +
        "(unix:///path/to/podman.sock)",
    );
  }
  // Podman joins host and path with "/"; podman-py's http+unix://%2Frun%2Fx.sock puts the
  // whole path in the host. Repeated slashes mean one, so collapse them for messages.
  return `${host === "" ? "" : `/${host}`}${path}`.replace(/\/{2,}/g, "/");
}
