import { PodmanError } from "../../errors.ts";
import { arrayBufferBytes } from "../../streams/_array_buffer_bytes.ts";
import { freeingSentChunks, hasOwnChunks } from "../../streams/_free_sent_chunks.ts";
import { requireUnlocked, useStreamOnce } from "../../streams/_single_use.ts";
import type { OpenFile } from "../../runtime/files.ts";
import { files } from "../../runtime/runtime.ts";

/** The bytes of one file of an artifact: a path on this machine, bytes, a Blob or a stream. */
export type ArtifactFileData = string | URL | Uint8Array | Blob | ReadableStream<Uint8Array>;

/**
 * Told of each chunk fetch takes from a file body: its bytes, and the file's size when it is
 * known before sending (files, bytes, Blobs; not streams).
 */
export type OnSent = (bytes: number, size: number | undefined) => void;

/** A file body made for one request, and how to let go of what feeds it. */
export interface FileUpload {
  /** The request body; each chunk fetch takes is counted through `onSent`. */
  readonly body: ReadableStream<Uint8Array<ArrayBuffer>>;
  /** The file's size, when known before sending (files, bytes, Blobs). */
  readonly size: number | undefined;
  /** Closes the file or cancels the stream behind the body; safe on every exit path. */
  release(): Promise<void>;
}

// Bytes and Blobs are handed over in slices of this size, so that progress moves for them
// as it does for files.
const SLICE = 1024 * 1024;

/**
 * Checks the data of one file when the operation is made, and returns how to open it for one
 * request: at subscribe time, so each subscription reads the file afresh.
 */
export function fileUploader(
  data: ArtifactFileData,
  action: string,
): (onSent: OnSent) => Promise<FileUpload> {
  if (typeof data === "string" || data instanceof URL) {
    if (typeof data === "string" && data.trim() === "") {
      throw new TypeError(`${action}: the path is empty`);
    }
    if (data instanceof URL && data.protocol !== "file:") {
      throw new RangeError(`${action}: only file: URLs can be read, got "${data.protocol}"`);
    }
    return (onSent) => openFile(data, action, onSent);
  }
  if (data instanceof Uint8Array) {
    const bytes = arrayBufferBytes(data);
    return (onSent) => Promise.resolve(counted(sliced(bytes), bytes.byteLength, onSent));
  }
  if (data instanceof Blob) {
    return (onSent) => Promise.resolve(counted(data.stream(), data.size, onSent));
  }
  if (data instanceof ReadableStream) {
    requireUnlocked(data, "file", action);
    return (onSent) =>
      Promise.resolve(counted(useStreamOnce(data, "file", action), undefined, onSent));
  }
  throw new TypeError(
    `${action}: a file's data must be a path, a file: URL, a Uint8Array, a Blob or a ReadableStream`,
  );
}

/** Opens a file at subscribe time, so that a missing one fails before anything is sent. */
async function openFile(
  path: string | URL,
  action: string,
  onSent: OnSent,
): Promise<FileUpload> {
  let file: OpenFile;
  try {
    file = await files.open(path, { read: true });
  } catch (error) {
    throw new PodmanError(`${action}: ${(error as Error).message}`, { cause: error });
  }
  let size: number | undefined;
  try {
    const info = await file.stat();
    if (info.isDirectory) throw new PodmanError(`${action}: it is a directory`);
    // A named pipe has no size to tell.
    size = info.isFile ? info.size : undefined;
  } catch (error) {
    file.close();
    if (error instanceof PodmanError) throw error;
    throw new PodmanError(`${action}: ${(error as Error).message}`, { cause: error });
  }
  const upload = counted(file.readable, size, onSent);
  return {
    ...upload,
    release: async () => {
      await upload.release();
      try {
        file.close();
      } catch {
        // Its stream closed it already (end of file or cancel).
      }
    },
  };
}

function sliced(bytes: Uint8Array<ArrayBuffer>): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + SLICE));
      offset += SLICE;
    },
  }, { highWaterMark: 0 });
}

/**
 * A body read from `source` with our own reader: a chunk is counted when fetch takes it (so
 * the count follows the socket, not a buffer ahead of it), and `release` cancels the source
 * whether or not fetch read it all.
 *
 * The chunks of a byte stream (a file's, a Blob's, or a caller's byte stream) are ours alone,
 * so each one's memory is given back once fetch has it, instead of piling up until V8
 * collects (~60 MiB for a 256 MiB file). Any other stream's chunks may be the caller's (views
 * of its bytes), and are left alone.
 */
function counted(
  source: ReadableStream<Uint8Array>,
  size: number | undefined,
  onSent: OnSent,
): FileUpload {
  const reader = (hasOwnChunks(source) ? freeingSentChunks(source) : source).getReader();
  const body = new ReadableStream<Uint8Array<ArrayBuffer>>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      controller.enqueue(arrayBufferBytes(value));
      onSent(value.byteLength, size);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { body, size, release: () => reader.cancel().catch(() => {}) };
}
