/**
 * Reads one tar header block and pax extended header records, as Go's archive/tar does (it
 * writes what Podman sends): ustar, pax, GNU and old V7 headers, octal or base-256 numbers,
 * either checksum sum. Failures are PodmanErrors that name the action and the header's place.
 *
 * @module
 */

import { PodmanError } from "../errors.ts";
import {
  BLOCK_BYTES,
  headerChecksum,
  type TarEntryType,
  type TarField,
  USTAR_FIELDS,
} from "./header.ts";

/** What one header block says, before pax records or GNU long names override it. */
export interface HeaderBlock {
  /** The path: ustar's prefix and name joined, or the name alone. */
  name: string;
  /** The link target field. */
  linkname: string;
  /** The type flag, one character (`"\0"` for an old regular file). */
  typeFlag: string;
  /** The size field: the bytes of body that follow, for types that have a body. */
  size: number;
  /** The mode field, whole (some writers put the file type's bits in it). */
  mode: number;
  /** The modification time field, in seconds since the epoch. */
  mtime: number;
}

const STAR_PREFIX: TarField = { offset: 345, width: 131 };
const STAR_TRAILER: TarField = { offset: 508, width: 4 };

const utf8 = new TextDecoder();

/** Whether a block is all zeros: one of the two that end an archive. */
export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK_BYTES; i++) if (block[i] !== 0) return false;
  return true;
}

function field(block: Uint8Array, at: TarField): Uint8Array {
  return block.subarray(at.offset, at.offset + at.width);
}

function ascii(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/**
 * A numeric field, `undefined` when it is not a number. Octal digits, which writers pad with
 * spaces or NULs on either side (an empty field is 0), or base-256 when the first byte's top
 * bit is set: GNU tar and Go write that for values the octal digits cannot hold (sizes of
 * 8 GiB and more), two's complement with the marker bit left out.
 */
export function parseNumber(bytes: Uint8Array): number | undefined {
  if (bytes.byteLength > 0 && (bytes[0]! & 0x80) !== 0) {
    // -a-1 is ~a: invert a negative number's bytes, add them up, and turn it back.
    const invert = (bytes[0]! & 0x40) !== 0 ? 0xff : 0;
    let value = 0;
    for (let i = 0; i < bytes.byteLength; i++) {
      const byte = (bytes[i]! ^ invert) & (i === 0 ? 0x7f : 0xff);
      value = value * 256 + byte;
      if (value > Number.MAX_SAFE_INTEGER) return undefined;
    }
    return invert ? -value - 1 : value;
  }
  const digits = ascii(bytes).replace(/^[ \0]+|[ \0]+$/g, "").split("\0")[0]!;
  if (digits === "") return 0;
  if (!/^[0-7]+$/.test(digits)) return undefined;
  const value = parseInt(digits, 8);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A field's bytes shown in an error: printable as they are, the rest escaped. */
function shown(bytes: Uint8Array): string {
  return JSON.stringify(ascii(bytes).replace(/\0+$/, ""));
}

/**
 * Reads a header block that is not all zeros.
 *
 * @param block The 512 bytes.
 * @param position Where the block starts in the archive, for errors.
 * @param action What the caller was doing, at the start of errors.
 * @throws {PodmanError} On a bad checksum, or a size, mode or time that is not a number.
 */
export function parseHeaderBlock(block: Uint8Array, position: number, action: string): HeaderBlock {
  const at = USTAR_FIELDS;
  const stored = parseNumber(field(block, at.checksum));
  if (stored !== headerChecksum(block) && stored !== headerChecksum(block, true)) {
    throw new PodmanError(
      `${action}: the archive is corrupt: the header at byte ${position} has a bad checksum ` +
        `(stored ${shown(field(block, at.checksum))}, computed ${
          headerChecksum(block).toString(8)
        })`,
    );
  }
  const magic = ascii(field(block, at.magic));
  let name = cString(field(block, at.name));
  // Only ustar (and pax, which is ustar) has a prefix; GNU tar keeps other fields there, and
  // star a shorter prefix before its own trailer.
  if (magic.startsWith("ustar\0")) {
    const star = ascii(field(block, STAR_TRAILER)) === "tar\0";
    const prefix = cString(field(block, star ? STAR_PREFIX : at.prefix));
    if (prefix !== "") name = `${prefix}/${name}`;
  }
  const number = (at: TarField, what: string): number => {
    const value = parseNumber(field(block, at));
    if (value === undefined) {
      throw new PodmanError(
        `${action}: the archive is corrupt: the ${what} field of "${name}" (header at byte ` +
          `${position}) is not a number: ${shown(field(block, at))}`,
      );
    }
    return value;
  };
  const size = number(at.size, "size");
  if (size < 0) {
    throw new PodmanError(
      `${action}: the archive is corrupt: the size of "${name}" (header at byte ${position}) ` +
        `is negative: ${size}`,
    );
  }
  return {
    name,
    linkname: cString(field(block, at.linkname)),
    typeFlag: String.fromCharCode(block[at.typeFlag.offset]!),
    size,
    mode: number(at.mode, "mode"),
    mtime: number(at.mtime, "mtime"),
  };
}

/**
 * Reads the records of a pax extended header, `"<length> <key>=<value>\n"` each, where the
 * length counts the whole record in bytes.
 *
 * @param bytes The header's body.
 * @param where Which header they are in, for errors (the entry's name is not known yet).
 * @param action What the caller was doing, at the start of errors.
 * @throws {PodmanError} When a record is malformed.
 */
export function parsePaxRecords(
  bytes: Uint8Array,
  where: string,
  action: string,
): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < bytes.byteLength) {
    const space = bytes.indexOf(0x20, offset);
    const digits = space < 0 ? "" : ascii(bytes.subarray(offset, space));
    const length = /^[0-9]{1,9}$/.test(digits) ? parseInt(digits, 10) : NaN;
    const end = offset + length;
    const record = bytes.subarray(space + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (
      !(end > space + 1 && end <= bytes.byteLength) || bytes[end - 1] !== 0x0a || equals <= 0
    ) {
      const start = JSON.stringify(utf8.decode(bytes.subarray(offset, offset + 40)));
      throw new PodmanError(
        `${action}: the archive is corrupt: ${where} has a malformed pax record at byte ` +
          `${offset}: ${start}`,
      );
    }
    records.set(utf8.decode(record.subarray(0, equals)), utf8.decode(record.subarray(equals + 1)));
    offset = end;
  }
  return records;
}

/** What a type flag means here. */
export function entryType(typeFlag: string, name: string): TarEntryType | "other" {
  switch (typeFlag) {
    case "0":
    case "7": // contiguous file: a plain file to every reader but one long gone
      return "file";
    case "\0":
      // Before ustar, a directory was a file whose name ends with a slash.
      return name.endsWith("/") ? "directory" : "file";
    case "5":
      return "directory";
    case "2":
      return "symlink";
    default:
      return "other";
  }
}

/**
 * A text field, or a GNU long name: its bytes up to the first NUL, as UTF-8 (GNU tar writes
 * names as they are).
 */
export function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
}
