/**
 * A registry that answers slowly: an HTTP proxy on a loopback port in front of a real
 * registry, passing every request through and pacing each response body to a byte rate. A
 * pull through it lasts long enough for Podman's progress reports, which come at most once a
 * second per blob, to show several steps of a layer that a local registry would hand over at
 * once.
 *
 * @module
 */

/** A running proxy; see {@linkcode startSlowRegistry}. */
export interface SlowRegistry extends AsyncDisposable {
  /** `127.0.0.1:PORT`, to use in image references in place of the registry's. */
  address: string;
  /** Stops the proxy. */
  close(): Promise<void>;
}

const CHUNK_BYTES = 64 * 1024;

/** `body` re-cut into pieces of at most {@linkcode CHUNK_BYTES}, each sent on the schedule. */
function paced(body: ReadableStream<Uint8Array>, bytesPerSecond: number): ReadableStream {
  const reader = body.getReader();
  const started = performance.now();
  let sent = 0;
  let pending: Uint8Array | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pending === undefined || pending.byteLength === 0) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        pending = value;
      }
      const piece = pending.subarray(0, CHUNK_BYTES);
      pending = pending.subarray(piece.byteLength);
      const due = started + (sent / bytesPerSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      sent += piece.byteLength;
      controller.enqueue(piece);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/**
 * Starts a proxy in front of the registry at `registry` (`host:port`, plain HTTP) whose
 * response bodies flow at `bytesPerSecond`.
 *
 * @returns The proxy, once it listens.
 */
export function startSlowRegistry(registry: string, bytesPerSecond: number): SlowRegistry {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      const upstream = await fetch(`http://${registry}${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: "manual",
      });
      const headers = new Headers(upstream.headers);
      // Upload locations name the registry; the client must come back through the proxy.
      const location = headers.get("location");
      if (location !== null) {
        headers.set("location", location.replace(`//${registry}/`, `//127.0.0.1:${port}/`));
      }
      const body = upstream.body === null ? null : paced(upstream.body, bytesPerSecond);
      return new Response(body, { status: upstream.status, headers });
    },
  );
  const port = server.addr.port;
  const close = (): Promise<void> => server.shutdown();
  return { address: `127.0.0.1:${port}`, close, [Symbol.asyncDispose]: close };
}
