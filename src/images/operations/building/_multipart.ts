/** One file field of a `multipart/form-data` body. */
export interface FormFile {
  /** The field's name. */
  field: string;
  /** The file name sent with it. */
  filename: string;
  /** The file's bytes. */
  body: ReadableStream<Uint8Array> | Uint8Array;
}

const encoder = new TextEncoder();

function randomBoundary(): string {
  const random = crypto.getRandomValues(new Uint8Array(24));
  return `podrx${Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * A `multipart/form-data` body of file fields, as Go's `mime/multipart` reads it, streamed: each
 * file is read only once the one before it has been sent, and cancelling the body cancels every
 * file's stream. Field and file names must need no quoting (the callers' names are plain).
 *
 * @returns The body and its `Content-Type` (with the boundary).
 */
export function multipartBody(
  files: readonly FormFile[],
): { body: ReadableStream<Uint8Array>; contentType: string } {
  const boundary = randomBoundary();
  const pending = [...files];
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (reader !== undefined) {
        const chunk = await reader.read();
        if (chunk.done) {
          reader = undefined;
          controller.enqueue(encoder.encode("\r\n"));
        } else {
          controller.enqueue(chunk.value);
        }
        return;
      }
      const file = pending[index];
      if (file === undefined) {
        controller.enqueue(encoder.encode(`--${boundary}--\r\n`));
        controller.close();
        return;
      }
      index++;
      controller.enqueue(encoder.encode(
        `--${boundary}\r\n` +
          `Content-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\n` +
          "Content-Type: application/octet-stream\r\n\r\n",
      ));
      if (file.body instanceof Uint8Array) {
        controller.enqueue(file.body);
        controller.enqueue(encoder.encode("\r\n"));
      } else {
        reader = file.body.getReader();
      }
    },
    async cancel(reason) {
      const open = reader === undefined ? [] : [reader.cancel(reason)];
      const unread = pending.slice(index).flatMap((file) =>
        file.body instanceof ReadableStream ? [file.body.cancel(reason)] : []
      );
      await Promise.allSettled([...open, ...unread]);
    },
  }, { highWaterMark: 0 });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
