/**
 * The transports podrx makes from a URL, each on the runtime's own HTTP client: Deno's
 * native one, node:http on Node, Bun's `fetch` on Bun.
 *
 * @module
 */
import { RUNTIME } from "../runtime/runtime_name.ts";
import type { Transport } from "./transport.ts";
import { denoTcpTransport, denoUnixSocketTransport } from "./deno_transport.ts";
import { bunTcpTransport, bunUnixSocketTransport } from "./bun_transport.ts";
import { nodeTcpTransport, nodeUnixSocketTransport } from "./node_transport.ts";

/**
 * A transport over a Unix socket, using the runtime's own HTTP client: Deno's native one,
 * node:http on Node, Bun's `fetch` (with its `unix` option) on Bun.
 *
 * The URL host is `libpod` on purpose: Deno sends the absolute URL as the request target,
 * and Podman decides whether a request is a libpod call by looking at the third `/`-separated
 * piece of that URL. Any other host makes Podman treat libpod calls as Docker-compatible ones.
 * (Node and Bun send only the path, which Podman reads the same way.)
 *
 * @param path Absolute path of the socket, e.g. `/run/podman/podman.sock`.
 * @returns A transport whose `close()` releases the socket's connections; idle ones are
 * closed after a second of idleness (Deno's `HttpClient.close()` leaves them open).
 *
 * @example
 * ```ts check-only
 * import { unixSocketTransport } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const transport = unixSocketTransport("/run/podman/podman.sock");
 * assert.equal(transport.origin, "http://libpod");
 * transport.close();
 * ```
 */
export function unixSocketTransport(path: string): Transport {
  switch (RUNTIME) {
    case "deno":
      return denoUnixSocketTransport(path);
    case "node":
      return nodeUnixSocketTransport(path);
    case "bun":
      return bunUnixSocketTransport(path);
  }
}

/**
 * A transport over TCP to a Podman service started with `podman system service tcp://...`,
 * using the runtime's own HTTP client.
 *
 * @param origin `http://host:port` of the service.
 * @returns A transport with its own connection pool, released by `close()`; idle
 * connections close after a second. (On Bun, all fetches share Bun's pool.)
 *
 * @example
 * ```ts
 * import { tcpTransport } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const transport = tcpTransport("http://127.0.0.1:8080");
 * assert.equal(transport.description, "tcp://127.0.0.1:8080");
 * transport.close();
 * ```
 */
export function tcpTransport(origin: string): Transport {
  switch (RUNTIME) {
    case "deno":
      return denoTcpTransport(origin);
    case "node":
      return nodeTcpTransport(origin);
    case "bun":
      return bunTcpTransport(origin);
  }
}
