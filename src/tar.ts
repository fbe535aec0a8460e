/**
 * The one door to the tar library: every tar archive podrx writes or reads goes through
 * these functions, so replacing `modern-tar` (e.g. by `@std/tar`) touches this file only.
 *
 * @module
 */

import { createTarDecoder, createTarPacker, type TarHeader } from "modern-tar";

/** The kinds of entries podrx writes and reads. */
export type TarEntryType = "file" | "directory" | "symlink";

/** The header of one tar entry. */
export interface TarEntryHeader {
  /** Path inside the archive, `/`-separated, relative; directories may end with `/`. */
  name: string;
  /**
   * Kind of entry.
   * @default {"file"}
   */
  type?: TarEntryType;
  /**
   * Body size in bytes; exactly this many bytes must follow. 0 for directories and symlinks.
   * @default {0}
   */
  size?: number;
  /**
   * Permission bits, e.g. `0o644`.
   * @default {0o644} for files, `0o755` for directories
   */
  mode?: number;
  /**
   * Modification time.
   * @default {new Date(0)}
   */
  mtime?: Date;
  /**
   * Owner user id.
   * @default {0}
   */
  uid?: number;
  /**
   * Owner group id.
   * @default {0}
   */
  gid?: number;
  /** Target of a symlink. */
  linkname?: string;
}

/** An entry read back from an archive, with its body in memory. */
export interface TarEntryRead {
  /** Path inside the archive, as stored. */
  name: string;
  /** Kind of entry; kinds podrx does not write (devices, hard links...) keep the tar's name. */
  type: string;
  /** Body size in bytes. */
  size: number;
  /** Permission bits. */
  mode: number;
  /** Modification time. */
  mtime: Date;
  /** Owner user id. */
  uid: number;
  /** Owner group id. */
  gid: number;
  /** Target of a symlink or hard link; empty for other entries. */
  linkname: string;
  /** The body; empty for entries without one. */
  data: Uint8Array;
}

/**
 * Writes a tar archive entry by entry, as a stream: the bytes leave through `readable` as
 * entries are added, and `add` waits while the reader is behind (bounded memory).
 */
export interface TarWriter {
  /** The archive bytes; cancelling it makes pending and later `add` calls reject. */
  readonly readable: ReadableStream<Uint8Array>;
  /**
   * Adds one entry and resolves once its body is written. Entries must be added one at a
   * time (await each). A stream body must yield exactly `header.size` bytes.
   */
  add(header: TarEntryHeader, body?: Uint8Array | ReadableStream<Uint8Array>): Promise<void>;
  /** Writes the end-of-archive marker and closes `readable`. */
  finalize(): void;
  /** Fails `readable` with `reason` and stops the writer. */
  abort(reason: unknown): void;
}

function toHeader(header: TarEntryHeader, size: number): TarHeader {
  const result: TarHeader = {
    name: header.name,
    size,
    type: header.type ?? "file",
    mtime: header.mtime ?? new Date(0),
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
  };
  if (header.mode !== undefined) result.mode = header.mode;
  if (header.linkname !== undefined) result.linkname = header.linkname;
  return result;
}

/**
 * Starts a tar archive that is written as it is read.
 *
 * @returns The writer; read its `readable` while adding entries, or the writer stalls.
 *
 * @example Packing two entries
 * ```ts
 * import { createTarWriter, readTarEntries } from "./tar.ts";
 *
 * const writer = createTarWriter();
 * const archive = new Response(writer.readable).bytes();
 * await writer.add({ name: "dir/", type: "directory" });
 * await writer.add({ name: "dir/a.txt", size: 2 }, new TextEncoder().encode("hi"));
 * writer.finalize();
 * const entries = await readTarEntries(await archive);
 * console.assert(entries[1]?.name === "dir/a.txt");
 * ```
 */
export function createTarWriter(): TarWriter {
  const { readable, controller } = createTarPacker();
  return {
    readable,
    async add(header, body) {
      const size = header.size ?? (body instanceof Uint8Array ? body.byteLength : 0);
      let sink: WritableStream<Uint8Array>;
      try {
        sink = controller.add(toHeader(header, size));
      } catch (error) {
        // The body's source (often an open file) is released only by reading or cancelling.
        if (body instanceof ReadableStream) await body.cancel(error).catch(() => {});
        throw error;
      }
      if (body instanceof ReadableStream) {
        await body.pipeTo(sink);
        return;
      }
      const writer = sink.getWriter();
      if (body !== undefined && body.byteLength > 0) await writer.write(body);
      await writer.close();
    },
    finalize() {
      controller.finalize();
    },
    abort(reason) {
      controller.error(reason);
    },
  };
}

/** The bytes as a view over a plain `ArrayBuffer`, which web APIs (Blob, fetch) require. */
export function plainBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes) as Uint8Array<ArrayBuffer>;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

async function ungzipIfNeeded(
  source: ReadableStream<Uint8Array>,
): Promise<ReadableStream<Uint8Array>> {
  const reader = source.getReader();
  const first = await reader.read();
  const head = first.done ? new Uint8Array() : first.value;
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.byteLength > 0) controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const gzipped = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  return gzipped
    ? rest.pipeThrough(new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>)
    : rest;
}

/**
 * Reads every entry of a tar archive (plain or gzip-compressed) into memory; meant for small
 * archives and tests.
 *
 * @param source The archive bytes, or a stream of them.
 * @returns The entries in archive order, bodies included.
 *
 * @example Listing the names in an archive
 * ```ts
 * import { createTarWriter, readTarEntries } from "./tar.ts";
 *
 * const writer = createTarWriter();
 * const archive = new Response(writer.readable).bytes();
 * await writer.add({ name: "a.txt", size: 1 }, new Uint8Array([65]));
 * writer.finalize();
 * const names = (await readTarEntries(await archive)).map((entry) => entry.name);
 * console.assert(names[0] === "a.txt");
 * ```
 */
export async function readTarEntries(
  source: Uint8Array | ReadableStream<Uint8Array>,
): Promise<TarEntryRead[]> {
  const stream = source instanceof Uint8Array ? new Blob([plainBytes(source)]).stream() : source;
  const decoder = createTarDecoder();
  const entries = (await ungzipIfNeeded(stream)).pipeThrough(decoder).getReader();
  const result: TarEntryRead[] = [];
  try {
    while (true) {
      const { done, value: entry } = await entries.read();
      if (done) return result;
      const { header } = entry;
      result.push({
        name: header.name,
        type: header.type ?? "file",
        size: header.size,
        mode: header.mode ?? 0,
        mtime: header.mtime ?? new Date(0),
        uid: header.uid ?? 0,
        gid: header.gid ?? 0,
        linkname: header.linkname ?? "",
        data: await new Response(entry.body).bytes(),
      });
    }
  } finally {
    await entries.cancel().catch(() => {});
  }
}
