// Deno's HTTP connections (node_transport.ts and bun_transport.ts are the other runtimes'):
// everything else goes through a `Transport`.
import type { Transport } from "./transport.ts";
import { explainSocketFailure } from "./_explain_socket_failure.ts";

/**
 * How long a connection may sit idle in Deno's pool before it is closed. `HttpClient.close()`
 * does not close idle connections (bench/idle_sockets.ts shows them still open seconds
 * later); this timeout is what closes them, also after `close()`.
 */
const IDLE_CONNECTION_MS = 1_000;

/**
 * Deno's transport over a Unix socket, on Deno's native HTTP client; podrx's public
 * `unixSocketTransport` (socket_transport.ts) returns it on Deno.
 *
 * The URL host is `libpod` on purpose: Deno sends the absolute URL as the request target,
 * and Podman decides whether a request is a libpod call by looking at the third `/`-separated
 * piece of that URL. Any other host makes Podman treat libpod calls as Docker-compatible ones.
 *
 * @param path Absolute path of the socket, e.g. `/run/podman/podman.sock`.
 * @returns A transport whose `close()` releases the socket's connections; idle ones are
 * closed after a second of idleness (Deno's `HttpClient.close()` leaves them open).
 */
export function denoUnixSocketTransport(path: string): Transport {
  const client = Deno.createHttpClient({
    proxy: { transport: "unix", path },
    poolIdleTimeout: IDLE_CONNECTION_MS,
  });
  return {
    origin: "http://libpod",
    description: `unix://${path}`,
    // Not async: the fetch is the last thing done before the caller's next await (see
    // sendRequest).
    fetch: (url, init) =>
      fetch(url, { ...init, client }).catch(async (error: unknown) => {
        // A missing Deno permission is not a socket problem: NotCapable names the flag, and
        // explainSocketFailure leaves it as it is.
        if (init.signal?.aborted) throw error;
        throw await explainSocketFailure(path, error);
      }),
    close: () => client.close(),
  };
}

/**
 * Deno's transport over TCP to a Podman service started with `podman system service
 * tcp://...`; podrx's public `tcpTransport` (socket_transport.ts) returns it on Deno.
 *
 * @param origin `http://host:port` of the service.
 * @returns A transport with its own connection pool, released by `close()`; idle
 * connections close after a second.
 */
export function denoTcpTransport(origin: string): Transport {
  const url = new URL(origin);
  const client = Deno.createHttpClient({ poolIdleTimeout: IDLE_CONNECTION_MS });
  return {
    origin: url.origin,
    description: `tcp://${url.host}`,
    fetch: (url, init) => fetch(url, { ...init, client }),
    close: () => client.close(),
  };
}
