/**
 * How requests reach the Podman service. The client builds every request and hands it to a
 * transport, so tests (and other runtimes) can plug in their own.
 *
 * @example A stand-in for the service, e.g. in a test: it records requests and answers them
 * ```ts
 * import { PodmanClient, type Transport } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const sent: string[] = [];
 * const fake: Transport = {
 *   origin: "http://libpod",
 *   description: "a fake Podman",
 *   fetch: async (url, init) => {
 *     sent.push(`${init.method ?? "GET"} ${new URL(url).pathname}`);
 *     // Every answer carries the API version the client reads from `/_ping`.
 *     return new Response(null, { status: 204, headers: { "Libpod-API-Version": "5.4.0" } });
 *   },
 *   close: () => {},
 * };
 * await using podman = new PodmanClient({ transport: fake });
 * assert.equal(await podman.images.promises.exists("busybox"), true);
 * assert.deepEqual(sent, ["GET /_ping", "GET /v5.4.0/libpod/images/busybox/exists"]);
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
