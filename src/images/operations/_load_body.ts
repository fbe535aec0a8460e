import { PodmanError } from "../../errors.ts";
import { arrayBufferBytes } from "../../streams/_array_buffer_bytes.ts";
import { freeingSentChunks } from "../../streams/_free_sent_chunks.ts";
import { requireUnlocked, useStreamOnce } from "../../streams/_single_use.ts";
import type { LoadSource } from "./load_options.ts";
import type { OpenFile } from "../../runtime/files.ts";
import { files } from "../../runtime/runtime.ts";

/** A request body made for one subscription, and how to let go of what feeds it. */
export interface PreparedBody {
  body: NonNullable<RequestInit["body"]>;
  /** Closes the file or cancels the stream behind `body`; safe on every exit path. */
  release(): Promise<void>;
}

/**
 * Makes the body for one subscription. `alive` is given when the operation has an idle
 * timeout: the upload must then be read chunk by chunk in JavaScript so that each chunk counts
 * as life. Without it, files and Blobs go to fetch as they are, which streams them from Rust
 * without a JavaScript buffer per chunk (less memory, faster).
 */
export type BodyMaker = (alive: (() => void) | undefined) => Promise<PreparedBody>;

const SOURCE_KINDS = "a file path, a file: URL, a Uint8Array, a Blob or a ReadableStream";

/**
 * Checks the source before anything is sent and returns how to make the body at subscribe
 * time, so each subscription reads the archive afresh (a ReadableStream can only be read once).
 */
export function bodyMaker(source: LoadSource, action: string): BodyMaker {
  if (typeof source === "string") {
    if (source.trim() === "") throw new TypeError(`${action}: the path is empty`);
    return (alive) => openArchive(source, action, alive);
  }
  if (source instanceof URL) {
    if (source.protocol !== "file:") {
      throw new RangeError(`${action}: only file: URLs can be loaded, got "${source.protocol}"`);
    }
    return (alive) => openArchive(source, action, alive);
  }
  if (source instanceof Uint8Array) {
    if (source.byteLength === 0) throw new TypeError(`${action}: the archive is empty`);
    // Bytes are already in memory: sent as they are, with a Content-Length.
    const body = arrayBufferBytes(source);
    return () => Promise.resolve({ body, release: () => Promise.resolve() });
  }
  if (source instanceof Blob) {
    if (source.size === 0) throw new TypeError(`${action}: the archive is empty`);
    return (alive) =>
      Promise.resolve(
        alive === undefined
          ? { body: source, release: () => Promise.resolve() }
          : forwarded(source.stream(), alive),
      );
  }
  if (source instanceof ReadableStream) return streamOnce(source, action);
  throw new TypeError(`${action}: the source must be ${SOURCE_KINDS}`);
}

function streamOnce(source: ReadableStream<Uint8Array>, action: string): BodyMaker {
  requireUnlocked(source, "source", action);
  return (alive) => {
    // Always read through our reader, so that `release` can cancel the caller's stream.
    return Promise.resolve(forwarded(useStreamOnce(source, "source", action), alive ?? (() => {})));
  };
}

/**
 * Opens the archive at subscribe time, so a missing file fails before the request is sent.
 * The file is read as the request is sent: memory stays flat whatever its size.
 */
async function openArchive(
  path: string | URL,
  action: string,
  alive: (() => void) | undefined,
): Promise<PreparedBody> {
  let file: OpenFile;
  try {
    file = await files.open(path, { read: true });
  } catch (error) {
    throw new PodmanError(`${action}: ${(error as Error).message}`, { cause: error });
  }
  try {
    // Not isFile: a named pipe is a fine source.
    if ((await file.stat()).isDirectory) throw new PodmanError(`${action}: it is a directory`);
  } catch (error) {
    file.close();
    if (error instanceof PodmanError) throw error;
    throw new PodmanError(`${action}: ${(error as Error).message}`, { cause: error });
  }
  const closeFile = (): void => {
    try {
      file.close();
    } catch {
      // Its stream closed it already (end of file or cancel).
    }
  };
  // The file's own stream, handed to fetch untouched, is read by Deno in Rust.
  if (alive === undefined) {
    return {
      body: file.readable,
      release: () => Promise.resolve(closeFile()),
    };
  }
  const prepared = forwarded(file.readable, alive);
  return {
    // The file's chunks are ours alone: their memory can go as soon as fetch has them.
    body: freeingSentChunks(prepared.body),
    release: async () => {
      await prepared.release();
      closeFile();
    },
  };
}

/**
 * A body that reads `source` with our own reader: each chunk tells the idle timeout the
 * upload is moving, and `release` cancels the source whether or not fetch got to read it all.
 */
function forwarded(
  source: ReadableStream<Uint8Array>,
  alive: () => void,
): PreparedBody & { body: ReadableStream<Uint8Array> } {
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      alive();
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { body, release: () => reader.cancel().catch(() => {}) };
}
