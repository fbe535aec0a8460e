/**
 * Bytes made on the fly for the artifact case: a file of any size that is never held whole,
 * the same for a given seed every time, so that what comes back from the service can be
 * checked against it byte for byte by making it again, chunk by chunk.
 *
 * Each 1 MiB chunk is a xorshift32 sequence started from the seed and the chunk's index: as
 * good as random for the service and the registry (no run shares a blob with another when the
 * seeds differ), and about 0.2 s per 256 MiB to make here.
 *
 * @module
 */

/** The size of every chunk but the last. */
export const CHUNK_BYTES = 1024 * 1024;

/** Chunk `index` of the bytes for `seed`, `length` bytes long, in a buffer of its own. */
export function generatedChunk(
  index: number,
  seed: number,
  length: number,
): Uint8Array<ArrayBuffer> {
  const words = new Uint32Array(Math.ceil(length / 4));
  // xorshift32 never leaves 0, so a start of 0 becomes 1.
  let x = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, length);
}

function chunkLength(index: number, bytes: number): number {
  return Math.min(CHUNK_BYTES, bytes - index * CHUNK_BYTES);
}

/**
 * The bytes for `seed` as a stream of fresh 1 MiB chunks, each made when the reader asks for
 * it (no queue ahead of the reader); with `byteStream`, a byte stream (`type: "bytes"`), whose
 * queue takes each chunk's buffer over.
 */
export function generatedStream(
  bytes: number,
  seed: number,
  byteStream = false,
): ReadableStream<Uint8Array> {
  let index = 0;
  const next = (): Uint8Array<ArrayBuffer> | undefined => {
    if (index * CHUNK_BYTES >= bytes) return undefined;
    const chunk = generatedChunk(index, seed, chunkLength(index, bytes));
    index++;
    return chunk;
  };
  if (byteStream) {
    return new ReadableStream({
      type: "bytes",
      pull(controller) {
        const chunk = next();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
  }
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = next();
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  }, { highWaterMark: 0 });
}

/** Writes the bytes for `seed` to `path` (for the CLI, which adds files). */
export async function writeGenerated(path: string, bytes: number, seed: number): Promise<void> {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  for (let index = 0; index * CHUNK_BYTES < bytes; index++) {
    const chunk = generatedChunk(index, seed, chunkLength(index, bytes));
    let offset = 0;
    while (offset < chunk.byteLength) offset += await file.write(chunk.subarray(offset));
  }
}

/** Fills `buffer` from `file`; returns how many bytes it got (fewer only at the end). */
async function readFull(file: Deno.FsFile, buffer: Uint8Array): Promise<number> {
  let filled = 0;
  while (filled < buffer.byteLength) {
    const read = await file.read(buffer.subarray(filled));
    if (read === null) break;
    filled += read;
  }
  return filled;
}

/**
 * Compares the file at `path` with the bytes for `seed`, chunk by chunk, making them again.
 *
 * @returns `undefined` when they are equal, else where they first differ.
 */
export async function differenceFromGenerated(
  path: string,
  bytes: number,
  seed: number,
): Promise<string | undefined> {
  const size = (await Deno.stat(path)).size;
  if (size !== bytes) return `${path} holds ${size} bytes, not ${bytes}`;
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(CHUNK_BYTES);
  for (let index = 0; index * CHUNK_BYTES < bytes; index++) {
    const expected = generatedChunk(index, seed, chunkLength(index, bytes));
    const got = await readFull(file, buffer.subarray(0, expected.byteLength));
    if (got !== expected.byteLength) return `${path} ended early, in chunk ${index}`;
    for (let offset = 0; offset < got; offset++) {
      if (buffer[offset] !== expected[offset]) {
        return `${path} differs at byte ${index * CHUNK_BYTES + offset}`;
      }
    }
  }
  return undefined;
}
