/**
 * The transport on Bun: Bun's own `fetch`, which reaches a Unix socket through its `unix`
 * option. It streams a `ReadableStream` request body chunk by chunk (chunked, read as the
 * socket takes it) and closes the connection on an abort, so nothing is added here but the
 * account of a socket that cannot be reached.
 *
 * @module
 */
import type { Transport } from "./transport.ts";
import { explainSocketFailure } from "./_explain_socket_failure.ts";

/**
 * A Bun transport over the Unix socket at `path`; the origin is `http://libpod` (see
 * `unixSocketTransport`), which Bun sends as the `Host` header.
 */
export function bunUnixSocketTransport(path: string): Transport {
  return {
    origin: "http://libpod",
    description: `unix://${path}`,
    fetch: async (url, init) => {
      try {
        // `unix` is Bun's own option, unknown to the RequestInit type.
        return await fetch(url, { ...init, unix: path } as RequestInit);
      } catch (error) {
        if (init.signal?.aborted) throw error;
        throw await explainSocketFailure(path, error);
      }
    },
    // Bun keeps one connection pool for all of its fetches; there is none of ours to close.
    close: () => {},
  };
}

/** A Bun transport over TCP to `origin` (`http://host:port`). */
export function bunTcpTransport(origin: string): Transport {
  const url = new URL(origin);
  return {
    origin: url.origin,
    description: `tcp://${url.host}`,
    fetch: (url, init) => fetch(url, init),
    close: () => {},
  };
}
