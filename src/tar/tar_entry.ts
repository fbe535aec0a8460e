/**
 * One entry of a tar archive being read: its header's facts and its body as a stream.
 *
 * @module
 */

import type { TarEntryType } from "./header.ts";

/** One entry of an archive being read; see `readTar()` (reader.ts). */
export interface TarEntry {
  /**
   * The path as the archive stores it (pax `path`, GNU long name, or ustar prefix and name):
   * untrusted, check it with `safeEntryPath()` (safe_entry_path.ts) before writing under it.
   */
  readonly name: string;
  /**
   * Kind of entry. `"other"` covers hard links, devices, FIFOs and types this reader does not
   * know (their body, if any, is given as it is stored); `typeFlag` tells which.
   */
  readonly type: TarEntryType | "other";
  /** The tar type flag, one character, e.g. `"0"` for a file, `"1"` for a hard link. */
  readonly typeFlag: string;
  /** Bytes in `body`: the file's size; 0 for directories, links and devices. */
  readonly size: number;
  /**
   * Permission bits (`mode & 0o7777`), as the archive says: not to be trusted as meant, since
   * Podman 5.8's artifact extract sends `0o1130` (600 written in decimal) for every file.
   */
  readonly mode: number;
  /** Modification time. */
  readonly mtime: Date;
  /** Target of a symlink or hard link; absent when the archive gives none. */
  readonly linkname?: string;
  /**
   * The body, `size` bytes, read from the archive as the caller reads it. Read it (or leave
   * it) before asking for the next entry: the next entry drains what is left of it, and a
   * body not read to its end by then fails. Cancelling it cancels the whole archive.
   */
  readonly body: ReadableStream<Uint8Array>;
}
