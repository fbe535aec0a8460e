/**
 * Reads what an archive says of its next entry: the header blocks up to the entry's own, with
 * the pax records and GNU long names before it applied, or the archive's end.
 *
 * @module
 */

import { BLOCK_BYTES, padding } from "./header.ts";
import type { ByteSource } from "./_byte_source.ts";
import { corruptArchive, truncatedArchive } from "./_archive_error.ts";
import { cString, isZeroBlock, parseHeaderBlock, parsePaxRecords } from "./_parse_header.ts";

/** The largest pax or GNU long-name header read (as Go's archive/tar): they are held whole. */
const MAX_META_BYTES = 1024 * 1024;

/** An entry's header, pax records and GNU long names applied. */
export interface EntryHeader {
  /** The type flag, one character. */
  typeFlag: string;
  name: string;
  linkname: string;
  /** The size the archive stores, even for types that have no body. */
  size: number;
  /** The mode field, whole. */
  mode: number;
  /** The modification time, in seconds since the epoch. */
  mtime: number;
}

/** Reads header blocks up to the next entry's; `undefined` at the end of the archive. */
export async function readEntryHeader(
  source: ByteSource,
  block: Uint8Array,
  action: string,
): Promise<EntryHeader | undefined> {
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  // A pax or GNU long-name header was read: an entry must follow it.
  let pending = false;
  while (true) {
    const position = source.position;
    const got = await source.fill(block);
    if (got === 0 && !pending) return undefined;
    if (got < BLOCK_BYTES) {
      throw truncatedArchive(
        action,
        got === 0
          ? "after an extended header, before its entry"
          : `inside the header at byte ${position}`,
      );
    }
    if (isZeroBlock(block)) {
      if (pending) {
        throw corruptArchive(action, `an extended header is followed by the end of the archive`);
      }
      // The end is two zero blocks; a stream that stops after the first is taken as ended too.
      const second = await source.fill(block);
      if (second === 0 || (second === BLOCK_BYTES && isZeroBlock(block))) return undefined;
      if (second < BLOCK_BYTES) throw truncatedArchive(action, `inside the end-of-archive blocks`);
      throw corruptArchive(action, `a lone zero block at byte ${position} is followed by a header`);
    }
    const header = parseHeaderBlock(block, position, action);
    const meta = `the extended header at byte ${position}`;
    switch (header.typeFlag) {
      case "x":
        pax = new Map([
          ...pax,
          ...parsePaxRecords(await readMeta(source, action, header.size, meta), meta, action),
        ]);
        pending = true;
        continue;
      case "g":
        // Global pax headers set defaults (e.g. times) that nothing here uses.
        await skipOrTruncated(source, action, header.size + padding(header.size), `inside ${meta}`);
        continue;
      case "L":
        longName = cString(await readMeta(source, action, header.size, meta));
        pending = true;
        continue;
      case "K":
        longLink = cString(await readMeta(source, action, header.size, meta));
        pending = true;
        continue;
    }
    // Go's archive/tar applies pax records first, then GNU long names over them.
    const name = longName ?? (pax.get("path") || header.name);
    const linkname = longLink ?? (pax.get("linkpath") || header.linkname);
    const size = paxNumber(action, pax, "size", name, /^[0-9]+$/) ?? header.size;
    const mtime = paxNumber(action, pax, "mtime", name, /^-?[0-9]+(\.[0-9]+)?$/) ?? header.mtime;
    return { typeFlag: header.typeFlag, name, linkname, size, mode: header.mode, mtime };
  }
}

/** A pax or GNU long-name header's body, whole (they are small). */
async function readMeta(
  source: ByteSource,
  action: string,
  size: number,
  meta: string,
): Promise<Uint8Array> {
  if (size > MAX_META_BYTES) {
    throw corruptArchive(
      action,
      `${meta} is ${size} bytes, more than ${MAX_META_BYTES} are accepted`,
    );
  }
  const bytes = new Uint8Array(size);
  if (await source.fill(bytes) < size) throw truncatedArchive(action, `inside ${meta}`);
  await skipOrTruncated(source, action, padding(size), `inside ${meta}`);
  return bytes;
}

async function skipOrTruncated(
  source: ByteSource,
  action: string,
  count: number,
  where: string,
): Promise<void> {
  if (await source.skip(count) < count) throw truncatedArchive(action, where);
}

/** A pax record's number, `undefined` when there is none (an empty value is none too). */
function paxNumber(
  action: string,
  pax: Map<string, string>,
  key: string,
  name: string,
  shape: RegExp,
): number | undefined {
  const value = pax.get(key);
  if (value === undefined || value === "") return undefined;
  const number = Number(value);
  if (!shape.test(value) || !Number.isSafeInteger(Math.trunc(number))) {
    throw corruptArchive(
      action,
      `the pax ${key} of "${name}" is not a number: ${JSON.stringify(value)}`,
    );
  }
  return number;
}
