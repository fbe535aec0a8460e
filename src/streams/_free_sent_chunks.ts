/**
 * Wraps a request body whose chunks are ours alone (made by podrx, never the caller's) so
 * that each chunk's memory is given back as soon as fetch has taken it.
 *
 * Why: Deno's fetch hands every chunk of a streamed body to Rust, which holds the memory
 * until the bytes are written. The JavaScript side keeps it too, until the next garbage
 * collection, and V8 lets tens of MiB of such buffers pile up before it collects: uploading a
 * big build context at full speed peaked ~30 MiB higher for that alone. fetch asks for the
 * next chunk only after it has taken the last one, so at that moment the last chunk's buffer
 * is detached here (`ArrayBuffer.prototype.transfer(0)`), which drops JavaScript's hold on it;
 * Rust's hold keeps the bytes alive until they are sent.
 *
 * Only for a body given straight to fetch: any other reader may still be using a chunk when
 * it asks for the next, and would find it emptied.
 */
export function freeingSentChunks(
  source: ReadableStream<Uint8Array>,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let sent: Uint8Array | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      freeBytes(sent);
      sent = undefined;
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      sent = value;
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * Gives the memory under `bytes` back now rather than at the next garbage collection, by
 * detaching its `ArrayBuffer`: only for bytes nobody else holds.
 */
export function freeBytes(bytes: Uint8Array | undefined): void {
  const buffer = bytes?.buffer;
  // Shared memory cannot be detached; a buffer detached already has nothing to give.
  if (!(buffer instanceof ArrayBuffer) || buffer.detached) return;
  buffer.transfer(0);
}

/**
 * Whether every chunk read from `stream` is the reader's alone, so that it may be given back
 * with {@linkcode freeBytes} once used: true for a byte stream (fetch's response bodies),
 * whose `enqueue` transfers each chunk's buffer to the queue, so its source keeps no hold on
 * it. Any other stream may hand out views of memory its source still uses. Checked before
 * reading: `stream` must be unlocked, and is left so.
 */
export function hasOwnChunks(stream: ReadableStream<Uint8Array>): boolean {
  try {
    stream.getReader({ mode: "byob" }).releaseLock();
    return true;
  } catch {
    return false;
  }
}
