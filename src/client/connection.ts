import { tcpTransport, unixSocketTransport } from "./deno_transport.ts";
import type { Transport } from "./transport.ts";

/**
 * Makes the transport for a base URL: `unix:///abs/path.sock` (also `http+unix://`),
 * `tcp://host:port` or `http://host:port`.
 *
 * @throws {TypeError} When the URL is not one of those forms.
 */
export function transportFor(baseUrl: string): Transport {
  const match = /^(unix|http\+unix):\/\/(\/.*)$/.exec(baseUrl);
  if (match) return unixSocketTransport(decodeURIComponent(match[2]!));
  if (baseUrl.startsWith("/")) return unixSocketTransport(baseUrl);
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`Cannot connect to Podman: "${baseUrl}" is not a URL`);
  }
  if (url.protocol === "tcp:" || url.protocol === "http:") {
    if (!url.hostname || !url.port) {
      throw new TypeError(`Cannot connect to Podman: "${baseUrl}" needs a host and a port`);
    }
    return tcpTransport(`http://${url.host}`);
  }
  throw new TypeError(
    `Cannot connect to Podman: unsupported URL scheme "${url.protocol}" in "${baseUrl}" ` +
      "(use unix://, tcp:// or http://)",
  );
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    // Without --allow-env the variable cannot be read; discovery goes on without it.
    return undefined;
  }
}

/** One place discovery looks for the service, and why it was chosen. */
export interface Candidate {
  /** The base URL to try. */
  baseUrl: string;
  /** Where it came from, for the error listing every place tried. */
  source: string;
}

/**
 * The places to look for a Podman service when no base URL is given, in the order the
 * `podman` command and Docker clients use: `CONTAINER_HOST`, `DOCKER_HOST`, the rootless
 * socket under `$XDG_RUNTIME_DIR`, then the rootful socket.
 */
export function discoveryCandidates(): Candidate[] {
  const candidates: Candidate[] = [];
  const containerHost = readEnv("CONTAINER_HOST");
  if (containerHost) candidates.push({ baseUrl: containerHost, source: "CONTAINER_HOST" });
  const dockerHost = readEnv("DOCKER_HOST");
  if (dockerHost) candidates.push({ baseUrl: dockerHost, source: "DOCKER_HOST" });
  const runtimeDir = readEnv("XDG_RUNTIME_DIR");
  if (runtimeDir) {
    candidates.push({
      baseUrl: `unix://${runtimeDir}/podman/podman.sock`,
      source: "XDG_RUNTIME_DIR",
    });
  }
  candidates.push({ baseUrl: "unix:///run/podman/podman.sock", source: "default rootful socket" });
  return candidates;
}
