/**
 * Tar headers as POSIX pax archives write them: a ustar header, preceded by a pax extended
 * header (`x`) for whatever ustar cannot hold (long or non-ASCII paths and link targets, sizes
 * of 8 GiB and more, large ids). Go's archive/tar, which Podman reads contexts with, reads
 * both. The field layout and the checksum are shared with the reader (reader.ts).
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

/** The zeros after `size` bytes of header or body, up to the next block. */
export function padding(size: number): number {
  return -size & (BLOCK_BYTES - 1);
}

/** A field of the ustar header block: where it starts and how many bytes it has. */
export interface TarField {
  /** Offset in the 512-byte block. */
  readonly offset: number;
  /** Width in bytes. */
  readonly width: number;
}

/**
 * The ustar header's fields that podrx writes or reads. `magic` spans the magic and the
 * version (8 bytes), since GNU tar's `"ustar  \0"` runs across both.
 */
export const USTAR_FIELDS: Readonly<
  Record<
    | "name"
    | "mode"
    | "uid"
    | "gid"
    | "size"
    | "mtime"
    | "checksum"
    | "typeFlag"
    | "linkname"
    | "magic"
    | "prefix",
    TarField
  >
> = {
  name: { offset: 0, width: 100 },
  mode: { offset: 100, width: 8 },
  uid: { offset: 108, width: 8 },
  gid: { offset: 116, width: 8 },
  size: { offset: 124, width: 12 },
  mtime: { offset: 136, width: 12 },
  checksum: { offset: 148, width: 8 },
  typeFlag: { offset: 156, width: 1 },
  linkname: { offset: 157, width: 100 },
  magic: { offset: 257, width: 8 },
  prefix: { offset: 345, width: 155 },
};

const TYPE_FLAGS: Record<TarEntryType, string> = { file: "0", directory: "5", symlink: "2" };
const NAME_BYTES = USTAR_FIELDS.name.width;
const PREFIX_BYTES = USTAR_FIELDS.prefix.width;
const CHECKSUM = USTAR_FIELDS.checksum;
// The largest values the octal fields hold: 11 digits for size and mtime, 7 for ids.
const MAX_OCTAL_11 = 0o77777777777;
const MAX_OCTAL_7 = 0o7777777;

const encoder = new TextEncoder();

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7e) return false;
  return true;
}

/**
 * The checksum of a header block: the sum of its bytes, with the checksum field itself counted
 * as spaces. `signed` sums them as signed bytes, as some old tar programs did; readers accept
 * either sum, as Go's archive/tar and GNU tar do.
 *
 * @param block A 512-byte header block.
 * @param signed Whether to count bytes of 128 and more as negative.
 * @returns The sum, to compare with the block's checksum field.
 *
 * @example
 * ```ts
 * import { encodeTarHeader, headerChecksum } from "./header.ts";
 * import assert from "node:assert/strict";
 *
 * const block = encodeTarHeader({ name: "a.txt" });
 * const stored = new TextDecoder().decode(block.subarray(148, 154));
 * assert.equal(headerChecksum(block), parseInt(stored, 8));
 * ```
 */
export function headerChecksum(block: Uint8Array, signed = false): number {
  let sum = 0;
  for (let i = 0; i < BLOCK_BYTES; i++) {
    const byte = i >= CHECKSUM.offset && i < CHECKSUM.offset + CHECKSUM.width ? 0x20 : block[i]!;
    sum += signed && byte >= 0x80 ? byte - 0x100 : byte;
  }
  return sum;
}

/** Writes `text` (ASCII, already known to fit) at `offset`. */
function putText(block: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) block[offset + i] = text.charCodeAt(i);
}

/** Writes `value` as zero-padded octal digits and a NUL terminator, filling `field`. */
function putOctal(block: Uint8Array, field: TarField, value: number): void {
  putText(block, field.offset, value.toString(8).padStart(field.width - 1, "0"));
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
  const at = USTAR_FIELDS;
  putText(block, at.name.offset, fields.name);
  putOctal(block, at.mode, fields.mode);
  putOctal(block, at.uid, fields.uid);
  putOctal(block, at.gid, fields.gid);
  putOctal(block, at.size, fields.size);
  putOctal(block, at.mtime, fields.mtime);
  putText(block, at.typeFlag.offset, fields.typeFlag);
  putText(block, at.linkname.offset, fields.linkname);
  putText(block, at.magic.offset, "ustar\u000000");
  putText(block, at.prefix.offset, fields.prefix);
  const sum = headerChecksum(block);
  putText(block, CHECKSUM.offset, `${sum.toString(8).padStart(6, "0")}\u0000 `);
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
