/**
 * The one door to tar: every archive podrx writes or reads goes through this module. Archives
 * are written by our own writer (src/tar/writer.ts), which fills the chunks it sends directly;
 * they are read with `modern-tar`, imported here only, so replacing it (e.g. by `@std/tar`)
 * touches this file only.
 *
 * @module
 */

import { createTarDecoder } from "modern-tar";

export type { TarEntryHeader, TarEntryType } from "./tar/header.ts";
export {
  createTarWriter,
  type TarBody,
  type TarBodyReader,
  TarBodySizeError,
  type TarWriter,
} from "./tar/writer.ts";

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
