/**
 * Reads tar archives back for the tests (what the tar writer, the build context packer and
 * `save` produce), with `modern-tar`: a reader independent of our writer. Only tests read
 * archives, so this lives here and `modern-tar` is no dependency of the package.
 *
 * @module
 */

import { createTarDecoder } from "modern-tar";
import { arrayBufferBytes } from "../../src/streams/_array_buffer_bytes.ts";

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
 * Reads every entry of a tar archive (plain or gzip-compressed) into memory.
 *
 * @param source The archive bytes, or a stream of them.
 * @returns The entries in archive order, bodies included.
 */
export async function readTarEntries(
  source: Uint8Array | ReadableStream<Uint8Array>,
): Promise<TarEntryRead[]> {
  const stream = source instanceof Uint8Array
    ? new Blob([arrayBufferBytes(source)]).stream()
    : source;
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
