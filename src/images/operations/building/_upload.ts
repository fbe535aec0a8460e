import { freeingSentChunks } from "../../../streams/_free_sent_chunks.ts";
import { arrayBufferBytes } from "../../../streams/_array_buffer_bytes.ts";
import { type FormFile, multipartBody } from "./_multipart.ts";

/** A tar to upload, and why reading it failed once it did. */
export interface UploadPart {
  /** The tar (the context, or a named local context). */
  body: ReadableStream<Uint8Array> | Uint8Array;
  /** Why packing failed, once it did (a file that cannot be read); `undefined` before. */
  failure(): unknown;
}

/** The body of `POST /libpod/build`, its `Content-Type`, and why packing it failed. */
export interface Upload {
  /** The request body. */
  body: ReadableStream<Uint8Array> | Uint8Array<ArrayBuffer>;
  /** `application/x-tar`, or `multipart/form-data` with named local contexts. */
  contentType: string;
  /** The first packing failure of any part, once there is one. */
  failure(): unknown;
}

/**
 * One tar as it is sent: ticking the idle timer as it is read, gzip-compressed when asked (the
 * server detects the compression of each tar). Bytes sent as they are need no ticking.
 */
function prepared(
  body: ReadableStream<Uint8Array> | Uint8Array,
  encoding: "gzip" | undefined,
  alive: () => void,
): ReadableStream<Uint8Array> | Uint8Array {
  if (body instanceof Uint8Array && encoding === undefined) return body;
  const stream = body instanceof Uint8Array ? new Blob([arrayBufferBytes(body)]).stream() : body;
  const ticking = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        alive();
        controller.enqueue(chunk);
      },
    }),
  );
  return encoding === "gzip"
    ? ticking.pipeThrough(new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>)
    : ticking;
}

/**
 * The request body: the context's tar alone, or with named local contexts a multipart form of
 * the context (`MainContext`) and one `build-context-<name>` tar per directory, as podman-remote
 * sends them (Podman 5.6 and later read it). `ours` says the chunks are podrx's own (packed
 * here), so their memory may be released as they are sent.
 */
export function uploadBody(
  main: UploadPart,
  named: readonly (UploadPart & { name: string })[],
  encoding: "gzip" | undefined,
  alive: () => void,
  ours: boolean,
): Upload {
  const failure = (): unknown =>
    [main, ...named].map((part) => part.failure()).find((error) => error !== undefined);
  let body = prepared(main.body, encoding, alive);
  let contentType = "application/x-tar";
  if (named.length > 0) {
    const files: FormFile[] = [
      { field: "MainContext", filename: "MainContext.tar", body },
      ...named.map((part) => ({
        field: `build-context-${part.name}`,
        filename: part.name,
        body: prepared(part.body, encoding, alive),
      })),
    ];
    ({ body, contentType } = multipartBody(files));
  }
  if (body instanceof Uint8Array) return { body: arrayBufferBytes(body), contentType, failure };
  return { body: ours ? freeingSentChunks(body) : body, contentType, failure };
}
