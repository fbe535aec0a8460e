/**
 * Tar headers as POSIX pax archives write them: a ustar header, preceded by a pax extended
 * header (`x`) for whatever ustar cannot hold (long or non-ASCII paths and link targets, sizes
 * of 8 GiB and more, large ids). Go's archive/tar, which Podman reads contexts with, reads
 * both.
 *
 * @module
 */

/** The kinds of entries podrx writes. */
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
   * @default {0o644} for files and symlinks' own bits, `0o755` for directories
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

/** One tar block; headers and bodies are padded to a multiple of it. */
export const BLOCK_BYTES = 512;

const TYPE_FLAGS: Record<TarEntryType, string> = { file: "0", directory: "5", symlink: "2" };
const NAME_BYTES = 100;
const PREFIX_BYTES = 155;
// The largest values the octal fields hold: 11 digits for size and mtime, 7 for ids.
const MAX_OCTAL_11 = 0o77777777777;
const MAX_OCTAL_7 = 0o7777777;

const encoder = new TextEncoder();

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7e) return false;
  return true;
}

/** Writes `text` (ASCII, already known to fit) at `offset`. */
function putText(block: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) block[offset + i] = text.charCodeAt(i);
}

/** Writes `value` as zero-padded octal digits and a NUL terminator, in `width` bytes. */
function putOctal(block: Uint8Array, offset: number, width: number, value: number): void {
  putText(block, offset, value.toString(8).padStart(width - 1, "0"));
}

/**
 * Splits a path into ustar's prefix and name fields, at a `/`, when the path is ASCII and
 * too long for the name field alone; `undefined` when it cannot be done.
 */
function splitPath(path: string): { prefix: string; name: string } | undefined {
  if (!isAscii(path)) return undefined;
  if (path.length <= NAME_BYTES) return { prefix: "", name: path };
  // The last `/` that leaves a name of at most 100 bytes and a prefix of at most 155.
  for (let slash = path.length - 1; slash > 0; slash--) {
    if (path[slash] !== "/") continue;
    const name = path.slice(slash + 1);
    if (name.length > NAME_BYTES) return undefined;
    const prefix = path.slice(0, slash);
    if (prefix.length <= PREFIX_BYTES && name !== "") return { prefix, name };
  }
  return undefined;
}

/** One pax record, `"<length> <key>=<value>\n"`, whose length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restBytes = encoder.encode(rest).byteLength;
  let length = restBytes + String(restBytes).length;
  // Adding the digits may add a digit.
  if (String(length).length !== String(restBytes).length) {
    length = restBytes + String(length).length;
  }
  return `${length}${rest}`;
}

function ustarBlock(
  fields: {
    prefix: string;
    name: string;
    mode: number;
    uid: number;
    gid: number;
    size: number;
    mtime: number;
    typeFlag: string;
    linkname: string;
  },
): Uint8Array {
  const block = new Uint8Array(BLOCK_BYTES);
  putText(block, 0, fields.name);
  putOctal(block, 100, 8, fields.mode);
  putOctal(block, 108, 8, fields.uid);
  putOctal(block, 116, 8, fields.gid);
  putOctal(block, 124, 12, fields.size);
  putOctal(block, 136, 12, fields.mtime);
  putText(block, 148, "        ");
  putText(block, 156, fields.typeFlag);
  putText(block, 157, fields.linkname);
  putText(block, 257, "ustar\u000000");
  putText(block, 345, fields.prefix);
  let sum = 0;
  for (let i = 0; i < BLOCK_BYTES; i++) sum += block[i]!;
  putText(block, 148, `${sum.toString(8).padStart(6, "0")}\u0000 `);
  return block;
}

function checkHeader(header: TarEntryHeader, size: number): void {
  if (header.name === "" || header.name.includes("\u0000")) {
    throw new TypeError(`tar: the entry name "${header.name}" is empty or holds a NUL`);
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`tar: the size of "${header.name}" is not a byte count: ${size}`);
  }
  if (header.linkname?.includes("\u0000")) {
    throw new TypeError(`tar: the link target of "${header.name}" holds a NUL`);
  }
}

/**
 * Encodes the header blocks of one entry: a pax extended header when one is needed, then the
 * ustar header. The body (`size` bytes, padded to 512) follows them in the archive.
 *
 * @example
 * ```ts
 * import { encodeTarHeader } from "./header.ts";
 * import assert from "node:assert/strict";
 *
 * const blocks = encodeTarHeader({ name: "a.txt", size: 2 });
 * assert.equal(blocks.byteLength, 512);
 * ```
 */
export function encodeTarHeader(header: TarEntryHeader): Uint8Array {
  const type = header.type ?? "file";
  const size = type === "file" ? header.size ?? 0 : 0;
  checkHeader(header, size);
  const mode = (header.mode ?? (type === "directory" ? 0o755 : 0o644)) & 0o7777;
  const uid = header.uid ?? 0;
  const gid = header.gid ?? 0;
  const seconds = Math.max(0, Math.floor((header.mtime?.getTime() ?? 0) / 1000));
  const linkname = header.linkname ?? "";
  const records: string[] = [];

  const split = splitPath(header.name);
  if (split === undefined) records.push(paxRecord("path", header.name));
  const linkFits = isAscii(linkname) && linkname.length <= NAME_BYTES;
  if (!linkFits) records.push(paxRecord("linkpath", linkname));
  if (size > MAX_OCTAL_11) records.push(paxRecord("size", String(size)));
  if (uid > MAX_OCTAL_7) records.push(paxRecord("uid", String(uid)));
  if (gid > MAX_OCTAL_7) records.push(paxRecord("gid", String(gid)));
  if (seconds > MAX_OCTAL_11) records.push(paxRecord("mtime", String(seconds)));

  const ustar = ustarBlock({
    // Fields pax overrides get an ASCII stand-in that fits.
    prefix: split?.prefix ?? "",
    name: split?.name ?? asciiStandIn(header.name, NAME_BYTES),
    mode,
    uid: Math.min(uid, MAX_OCTAL_7),
    gid: Math.min(gid, MAX_OCTAL_7),
    size: Math.min(size, MAX_OCTAL_11),
    mtime: Math.min(seconds, MAX_OCTAL_11),
    typeFlag: TYPE_FLAGS[type],
    linkname: linkFits ? linkname : asciiStandIn(linkname, NAME_BYTES),
  });
  if (records.length === 0) return ustar;

  const body = encoder.encode(records.join(""));
  const paxHeader = ustarBlock({
    prefix: "",
    name: asciiStandIn(
      `PaxHeaders/${header.name.split("/").filter(Boolean).at(-1) ?? ""}`,
      NAME_BYTES,
    ),
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: body.byteLength,
    mtime: Math.min(seconds, MAX_OCTAL_11),
    typeFlag: "x",
    linkname: "",
  });
  const padded = Math.ceil(body.byteLength / BLOCK_BYTES) * BLOCK_BYTES;
  const blocks = new Uint8Array(BLOCK_BYTES + padded + BLOCK_BYTES);
  blocks.set(paxHeader, 0);
  blocks.set(body, BLOCK_BYTES);
  blocks.set(ustar, BLOCK_BYTES + padded);
  return blocks;
}

/** An ASCII version of `text` cut to `bytes`, for ustar fields that pax records override. */
function asciiStandIn(text: string, bytes: number): string {
  return text.replace(/[^\x20-\x7e]/g, "_").slice(-bytes);
}
