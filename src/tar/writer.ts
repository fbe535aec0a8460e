/**
 * A tar archive written straight into the chunks it is sent in. A build context of thousands
 * of files is mostly small pieces (a header, a body, a padding per file); writing them into
 * 256 KiB chunks, and reading files directly into those chunks, makes one buffer per chunk
 * sent instead of several per file, which is what kept memory and time up.
 *
 * @module
 */

import { BLOCK_BYTES, encodeTarHeader, type TarEntryHeader } from "./header.ts";

/** A body read on demand, like `Deno.FsFile`: fills `buffer`, gives the count, `null` at end. */
export interface TarBodyReader {
  /** Reads into `buffer`; resolves with the bytes read, or `null` at the end. */
  read(buffer: Uint8Array): Promise<number | null>;
}

/** What an entry's body can be. */
export type TarBody = Uint8Array | ReadableStream<Uint8Array> | TarBodyReader;

/**
 * Writes a tar archive entry by entry, as a stream: the bytes leave through `readable` as
 * entries are added, and `add` waits while the reader is behind (bounded memory).
 */
export interface TarWriter {
  /** The archive bytes; cancelling it makes pending and later `add` calls reject. */
  readonly readable: ReadableStream<Uint8Array>;
  /**
   * Adds one entry and resolves once its body is written. Entries must be added one at a
   * time (await each). The body must give exactly `header.size` bytes, or `add` rejects with
   * a {@linkcode TarBodySizeError}.
   */
  add(header: TarEntryHeader, body?: TarBody): Promise<void>;
  /** Writes the end-of-archive marker and closes `readable`. */
  finalize(): void;
  /** Fails `readable` with `reason` and stops the writer. */
  abort(reason: unknown): void;
}

/** A body that gave more or fewer bytes than its header's size. */
export class TarBodySizeError extends Error {
  /** The entry's name. */
  readonly entry: string;
  /** The size in the header. */
  readonly expected: number;
  /** What the body gave: a count, or `more than <size>`. */
  readonly actual: string;

  /** Creates the error for `entry`. */
  constructor(entry: string, expected: number, actual: string) {
    super(`tar: "${entry}" gave ${actual} bytes instead of ${expected}`);
    this.name = "TarBodySizeError";
    this.entry = entry;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The size of the chunks the archive leaves in. */
const CHUNK_BYTES = 256 * 1024;
/** Full chunks that may wait for the reader before `add` waits too. */
const QUEUED_CHUNKS = 4;

/**
 * Starts a tar archive that is written as it is read.
 *
 * @returns The writer; read its `readable` while adding entries, or the writer stalls.
 *
 * @example Packing two entries
 * ```ts
 * import { createTarWriter } from "./writer.ts";
 * import assert from "node:assert/strict";
 *
 * const writer = createTarWriter();
 * const archive = new Response(writer.readable).bytes();
 * await writer.add({ name: "dir/", type: "directory" });
 * await writer.add({ name: "dir/a.txt", size: 2 }, new TextEncoder().encode("hi"));
 * writer.finalize();
 * // Two headers, one data block, and the two zero blocks that end an archive.
 * assert.equal((await archive).byteLength, 5 * 512);
 * ```
 */
export function createTarWriter(): TarWriter {
  let chunk = new Uint8Array(CHUNK_BYTES);
  let filled = 0;
  const full: Uint8Array[] = [];
  let finished = false;
  let failure: { reason: unknown } | undefined;
  let busy = false;
  // The reader waits for a chunk; the writer waits for room in the queue.
  let wakeReader: (() => void) | undefined;
  let wakeWriter: (() => void) | undefined;

  const check = (): void => {
    if (failure) throw failure.reason;
    if (finished) throw new Error("tar: the archive is already finalized");
  };
  const wake = (): void => {
    const reader = wakeReader;
    wakeReader = undefined;
    reader?.();
  };
  /** Queues the filled chunk and starts a new one; waits while the queue is full. */
  const ship = async (): Promise<void> => {
    full.push(filled === CHUNK_BYTES ? chunk : chunk.subarray(0, filled));
    chunk = new Uint8Array(CHUNK_BYTES);
    filled = 0;
    wake();
    while (full.length >= QUEUED_CHUNKS && !failure) {
      await new Promise<void>((resolve) => (wakeWriter = resolve));
    }
    if (failure) throw failure.reason;
  };
  const put = async (bytes: Uint8Array): Promise<void> => {
    let offset = 0;
    while (offset < bytes.byteLength) {
      const count = Math.min(bytes.byteLength - offset, CHUNK_BYTES - filled);
      chunk.set(bytes.subarray(offset, offset + count), filled);
      filled += count;
      offset += count;
      if (filled === CHUNK_BYTES) await ship();
    }
  };
  const zeros = async (count: number): Promise<void> => {
    while (count > 0) {
      const step = Math.min(count, CHUNK_BYTES - filled);
      chunk.fill(0, filled, filled + step);
      filled += step;
      count -= step;
      if (filled === CHUNK_BYTES) await ship();
    }
  };
  /** Reads a body straight into the chunks; `size` bytes, and then the end, or it fails. */
  const readInto = async (name: string, size: number, body: TarBodyReader): Promise<void> => {
    let remaining = size;
    while (true) {
      if (filled === CHUNK_BYTES) await ship();
      // One byte more than the body should have, when there is room: a read that fills it
      // shows the body grew, without a further read.
      const room = Math.min(CHUNK_BYTES - filled, remaining + 1);
      const count = await body.read(chunk.subarray(filled, filled + room));
      if (failure) throw failure.reason;
      if (count === null) {
        if (remaining > 0) throw new TarBodySizeError(name, size, String(size - remaining));
        return;
      }
      if (count > remaining) throw new TarBodySizeError(name, size, `more than ${size}`);
      filled += count;
      remaining -= count;
      // A short read of a file is its end; a read that stopped at the chunk's end is not.
      if (remaining === 0 && count < room) return;
    }
  };
  const streamInto = async (
    name: string,
    size: number,
    body: ReadableStream<Uint8Array>,
  ): Promise<void> => {
    let seen = 0;
    const reader = body.getReader();
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        seen += value.byteLength;
        if (seen > size) throw new TarBodySizeError(name, size, `more than ${size}`);
        await put(value);
      }
    } catch (error) {
      await reader.cancel(error).catch(() => {});
      throw error;
    } finally {
      reader.releaseLock();
    }
    if (seen !== size) throw new TarBodySizeError(name, size, String(seen));
  };

  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (full.length === 0 && !finished && !failure) {
        await new Promise<void>((resolve) => (wakeReader = resolve));
      }
      if (failure) throw failure.reason;
      const next = full.shift();
      const writer = wakeWriter;
      wakeWriter = undefined;
      writer?.();
      if (next) controller.enqueue(next);
      else controller.close();
    },
    cancel(reason) {
      failure ??= { reason: reason ?? new Error("tar: the archive's reader cancelled it") };
      const writer = wakeWriter;
      wakeWriter = undefined;
      writer?.();
    },
  }, { highWaterMark: 0 });

  return {
    readable,
    async add(header, body) {
      check();
      if (busy) throw new Error("tar: add one entry at a time (await each add)");
      busy = true;
      try {
        const size = header.size ?? (body instanceof Uint8Array ? body.byteLength : 0);
        try {
          await put(encodeTarHeader({ ...header, size }));
        } catch (error) {
          // The body's source (often an open file) is released only by reading or cancelling.
          if (body instanceof ReadableStream) await body.cancel(error).catch(() => {});
          throw error;
        }
        if (body === undefined) {
          if (size !== 0) throw new TarBodySizeError(header.name, size, "0");
        } else if (body instanceof Uint8Array) {
          if (body.byteLength !== size) {
            const actual = body.byteLength > size ? `more than ${size}` : String(body.byteLength);
            throw new TarBodySizeError(header.name, size, actual);
          }
          await put(body);
        } else if (body instanceof ReadableStream) {
          await streamInto(header.name, size, body);
        } else {
          await readInto(header.name, size, body);
        }
        await zeros(-size & (BLOCK_BYTES - 1));
      } catch (error) {
        failure ??= { reason: error };
        wake();
        throw error;
      } finally {
        busy = false;
      }
    },
    finalize() {
      check();
      if (busy) throw new Error("tar: cannot finalize while an entry is being added");
      // Two zero blocks end the archive; the last chunk goes out as far as it is filled.
      const end = filled + 2 * BLOCK_BYTES;
      if (end <= CHUNK_BYTES) {
        chunk.fill(0, filled, end);
        full.push(chunk.subarray(0, end));
      } else {
        chunk.fill(0, filled);
        full.push(chunk, new Uint8Array(end - CHUNK_BYTES));
      }
      finished = true;
      wake();
    },
    abort(reason) {
      failure ??= { reason };
      wake();
      const writer = wakeWriter;
      wakeWriter = undefined;
      writer?.();
    },
  };
}
