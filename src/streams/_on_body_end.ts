/**
 * The same response, with a body that calls `onEnd` once when it is over: read to its end,
 * broken off, cancelled, or aborted by `signal`. A response without a body is over at once.
 * The body is a byte stream, so BYOB readers still read straight into their own buffers.
 *
 * `signal` errors the body with its reason and cancels the response underneath, which closes
 * the connection. fetch's own signal is not enough for that: with another request uploading
 * at the same time, a pending read of a silent body stayed pending after the abort.
 *
 * Only for a response whose body nobody has touched yet: it takes the body's reader.
 */
export function onBodyEnd(response: Response, signal: AbortSignal, onEnd: () => void): Response {
  const source = response.body;
  if (!source) {
    onEnd();
    return response;
  }
  const reader = source.getReader();
  let controller!: ReadableByteStreamController;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    signal.removeEventListener("abort", onAbort);
    onEnd();
  };
  const onAbort = (): void => {
    if (ended) return;
    end();
    controller.error(signal.reason);
    reader.cancel(signal.reason).catch(() => {});
  };
  const bytes: UnderlyingByteSource = {
    type: "bytes",
    start(byteController) {
      controller = byteController;
    },
    async pull() {
      let result: ReadableStreamReadResult<Uint8Array>;
      // A byte stream refuses empty chunks; read on until there is data or the end.
      do {
        try {
          result = await reader.read();
        } catch (error) {
          if (ended) return;
          end();
          throw error;
        }
      } while (!result.done && result.value.byteLength === 0);
      // Aborted while the read was under way: the stream is errored already.
      if (ended && !result.done) return;
      if (result.done) {
        if (ended) return;
        end();
        controller.close();
        // A BYOB read waiting for this pull learns of the end only through respond(0).
        controller.byobRequest?.respond(0);
        return;
      }
      controller.enqueue(result.value);
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  };
  const body = new ReadableStream(bytes);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  const wrapped = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // A new Response has no URL; callers read the request path from it.
  Object.defineProperty(wrapped, "url", { value: response.url });
  return wrapped;
}
