/**
 * A fetch `body` as node:http sends it: bytes whose length is known before the request
 * starts, or a stream written chunk by chunk.
 *
 * @module
 */
import type { ClientRequest } from "node:http";

/** What to write after the headers, and the headers it implies unless the caller set them. */
export interface NodeRequestBody {
  /** The whole body, or a stream of it; `undefined` for none. */
  readonly content: Uint8Array | ReadableStream<Uint8Array> | undefined;
  /**
   * `Content-Length` when known in advance (a stream is then sent as it is, not chunked);
   * `undefined` for no body too, where Node writes what the method needs.
   */
  readonly length: number | undefined;
  /** The `Content-Type` fetch would add for this kind of body. */
  readonly type: string | undefined;
}

const encoder = new TextEncoder();

/**
 * Takes apart a fetch body.
 *
 * @throws {TypeError} For a `FormData` body (podrx never sends one; multipart is not written
 * here).
 */
export function nodeRequestBody(body: RequestInit["body"]): NodeRequestBody {
  if (body === null || body === undefined) {
    return { content: undefined, length: undefined, type: undefined };
  }
  if (typeof body === "string") return known(encoder.encode(body), "text/plain;charset=UTF-8");
  if (body instanceof URLSearchParams) {
    return known(
      encoder.encode(body.toString()),
      "application/x-www-form-urlencoded;charset=UTF-8",
    );
  }
  if (body instanceof ArrayBuffer) return known(new Uint8Array(body), undefined);
  if (ArrayBuffer.isView(body)) {
    return known(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), undefined);
  }
  if (body instanceof Blob) {
    return { content: body.stream(), length: body.size, type: body.type || undefined };
  }
  if (body instanceof ReadableStream) return { content: body, length: undefined, type: undefined };
  throw new TypeError(
    `a request body of this kind cannot be sent: ${Object.prototype.toString.call(body)}`,
  );
}

function known(bytes: Uint8Array, type: string | undefined): NodeRequestBody {
  return { content: bytes, length: bytes.byteLength, type };
}

/**
 * Writes a streamed body, one chunk at a time, then ends the request.
 *
 * Each chunk is read only once the last one was handed to the socket (its write callback ran),
 * not merely queued: that is the backpressure, and it is also what a body podrx made needs,
 * whose chunk's memory is given back (detached) when the next chunk is read
 * (streams/_free_sent_chunks.ts); Node must not be holding it then.
 *
 * @returns A promise that rejects with the stream's error (the request is then destroyed) or
 * with the request's own end (destroyed by an abort, the connection lost): the stream is then
 * cancelled.
 */
export async function writeStream(
  request: ClientRequest,
  stream: ReadableStream<Uint8Array>,
): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await written(request, value);
    }
  } catch (error) {
    reader.cancel(error).catch(() => {});
    throw error;
  }
  request.end();
}

/** Writes `chunk` and settles once the socket has taken it, or the request is gone. */
function written(request: ClientRequest, chunk: Uint8Array): Promise<void> {
  if (request.destroyed) return Promise.reject(request.errored ?? new Error("request closed"));
  return new Promise((resolve, reject) => {
    const onClose = () => reject(request.errored ?? new Error("request closed"));
    request.once("close", onClose);
    request.write(chunk, (error) => {
      request.off("close", onClose);
      if (error) reject(error);
      else resolve();
    });
  });
}
