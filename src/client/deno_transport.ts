// The only module that opens HTTP connections: everything else goes through a `Transport`.
import type { Transport } from "./transport.ts";

/**
 * A transport over a Unix socket, using Deno's native HTTP client.
 *
 * The URL host is `libpod` on purpose: Deno sends the absolute URL as the request target,
 * and Podman decides whether a request is a libpod call by looking at the third `/`-separated
 * piece of that URL. Any other host makes Podman treat libpod calls as Docker-compatible ones.
 *
 * @param path Absolute path of the socket, e.g. `/run/podman/podman.sock`.
 * @returns A transport whose `close()` releases the socket's connections.
 *
 * @example
 * ```ts
 * import { unixSocketTransport } from "@podrx/podrx";
 *
 * const transport = unixSocketTransport("/run/podman/podman.sock");
 * console.assert(transport.origin === "http://libpod");
 * transport.close();
 * ```
 */
export function unixSocketTransport(path: string): Transport {
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path } });
  return {
    origin: "http://libpod",
    description: `unix://${path}`,
    fetch: (url, init) => fetch(url, { ...init, client }),
    close: () => client.close(),
  };
}

/**
 * A transport over TCP to a Podman service started with `podman system service tcp://...`.
 *
 * @param origin `http://host:port` of the service.
 * @returns A transport with its own connection pool, released by `close()`.
 *
 * @example
 * ```ts
 * import { tcpTransport } from "@podrx/podrx";
 *
 * const transport = tcpTransport("http://127.0.0.1:8080");
 * console.assert(transport.description === "tcp://127.0.0.1:8080");
 * transport.close();
 * ```
 */
export function tcpTransport(origin: string): Transport {
  const url = new URL(origin);
  const client = Deno.createHttpClient({});
  return {
    origin: url.origin,
    description: `tcp://${url.host}`,
    fetch: (url, init) => fetch(url, { ...init, client }),
    close: () => client.close(),
  };
}
