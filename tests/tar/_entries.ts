/**
 * What the tar tests put in archives: bodies whose bytes tell where they are, and entries
 * whose names, kinds, sizes, times and ids test every header field.
 *
 * @module
 */

import fc from "fast-check";
import type { TarEntryHeader, TarEntryType } from "../../src/tar/header.ts";

/** `size` bytes that differ with `seed` and along the body, so that a shifted byte shows. */
export function filled(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (seed + i * 31) & 0xff;
  return bytes;
}

// Path pieces that test every field: ASCII, non-ASCII, and lengths around the 100-byte name
// and 155-byte prefix limits.
const piece = fc.oneof(
  fc.stringMatching(/^[a-z0-9._-]{1,12}$/),
  fc.constantFrom("ü", "日本語", "emoji-😀", "space name", "x".repeat(99), "y".repeat(101)),
);

/** Entry paths of 1 to 8 such pieces. */
export const entryName: fc.Arbitrary<string> = fc
  .array(piece, { minLength: 1, maxLength: 8 })
  .map((parts) => parts.join("/"));

/** One entry to write; `size` and `linkname` count only for files and symlinks. */
export interface EntrySpec {
  name: string;
  type: TarEntryType;
  size: number;
  mode: number;
  seconds: number;
  uid: number;
  linkname: string;
}

/**
 * Up to 8 entries of distinct names, with times and ids that ustar holds and some it does
 * not (pax records then), bodies of `size` bytes.
 */
export function entrySpecs(size: fc.Arbitrary<number>): fc.Arbitrary<EntrySpec[]> {
  return fc.uniqueArray(
    fc.record({
      name: entryName,
      type: fc.constantFrom("file" as const, "directory" as const, "symlink" as const),
      size,
      mode: fc.constantFrom(0o644, 0o755, 0o600, 0o4755),
      seconds: fc.oneof(fc.nat(2_000_000_000), fc.constant(0o77777777777 + 5)),
      uid: fc.oneof(fc.nat(1000), fc.constant(0o7777777 + 1)),
      linkname: entryName,
    }),
    { minLength: 1, maxLength: 8, selector: (entry) => entry.name },
  );
}

/** The header and body (bytes made by {@linkcode filled} with `index`) of a spec's entry. */
export function specEntry(
  spec: EntrySpec,
  index: number,
): { header: TarEntryHeader; body?: Uint8Array } {
  const size = spec.type === "file" ? spec.size : 0;
  const header: TarEntryHeader = {
    name: spec.name,
    type: spec.type,
    size,
    mode: spec.mode,
    mtime: new Date(spec.seconds * 1000),
    uid: spec.uid,
    gid: spec.uid,
    ...(spec.type === "symlink" ? { linkname: spec.linkname } : {}),
  };
  return spec.type === "file" ? { header, body: filled(size, index) } : { header };
}
