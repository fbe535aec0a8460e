/**
 * How requests reach the Podman service. The client builds every request and hands it to a
 * transport, so tests (and other runtimes) can plug in their own.
 *
 * @example A transport that logs and forwards to another one
 * ```ts
 * import { type Transport, unixSocketTransport } from "@podrx/podrx";
 *
 * function logged(inner: Transport): Transport {
 *   return {
 *     origin: inner.origin,
 *     description: inner.description,
 *     fetch: (url, init) => {
 *       console.error(init.method ?? "GET", url);
 *       return inner.fetch(url, init);
 *     },
 *     close: () => inner.close(),
 *   };
 * }
 * const transport = logged(unixSocketTransport("/run/podman/podman.sock"));
 * transport.close();
 * ```
 */
export interface Transport {
  /**
   * Scheme and host every request URL starts with, e.g. `http://libpod` for a Unix socket.
   * Podman routes a request as libpod only when this host is `libpod` (see README).
   */
  readonly origin: string;
  /** Where the transport connects, as users wrote it; used in error messages. */
  readonly description: string;
  /**
   * Sends one request; rejects on network failure, resolves with any HTTP status.
   *
   * A streamed body that podrx made itself (a build context packed from a directory, an
   * archive file read under a timeout) gives back each chunk's memory once the next chunk is
   * read: the chunk's `ArrayBuffer` is then detached. Hand the body to `fetch` as it is, or
   * copy a chunk to keep it.
   */
  fetch(url: string, init: RequestInit): Promise<Response>;
  /** Releases the connections the transport holds. */
  close(): void;
}
