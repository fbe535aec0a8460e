import { readAllBytes } from "../bytes/read_all_bytes.ts";
import { createTarWriter } from "./writer.ts";

/**
 * A whole tar archive holding one regular file.
 *
 * @param name The file's path in the archive.
 * @param bytes Its content.
 * @returns The archive's bytes.
 *
 * @example
 * ```ts
 * import { singleFileTar } from "./single_file.ts";
 * import assert from "node:assert/strict";
 *
 * const archive = await singleFileTar("a.txt", new TextEncoder().encode("hi"));
 * // A header, one data block, and the two zero blocks that end an archive.
 * assert.equal(archive.byteLength, 4 * 512);
 * ```
 */
export async function singleFileTar(name: string, bytes: Uint8Array): Promise<Uint8Array> {
  const writer = createTarWriter();
  // Read from the start: the writer waits for its reader.
  const archive = readAllBytes(writer.readable);
  await writer.add({ name, size: bytes.byteLength, mode: 0o644 }, bytes);
  writer.finalize();
  return await archive;
}
