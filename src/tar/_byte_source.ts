import type { PodmanError } from "../errors.ts";

/**
 * A stream's chunks, taken in the amounts a tar archive's layout asks for: a header's 512
 * bytes, a body's bytes as they come, a padding to pass over. Keeps one chunk at a time.
 */
export class ByteSource {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #wrap: (error: unknown) => PodmanError;
  #chunk: Uint8Array = new Uint8Array(0);
  // The chunk's length when it came: a caller may since have emptied it (see `take`).
  #length = 0;
  #offset = 0;
  #ended = false;
  /** Bytes taken so far: where in the archive the next byte is. */
  position = 0;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>, wrap: (e: unknown) => PodmanError) {
    this.#reader = reader;
    this.#wrap = wrap;
  }

  /**
   * Up to `max` bytes, or `null` at the stream's end: a view of the chunk read, no copy, or
   * with `handOver` a copy when the chunk holds more after them. Bytes handed to a caller must
   * not share a buffer with bytes still to be read: a caller may transfer the buffer (a byte
   * stream's `enqueue` does), which would empty the rest of the chunk.
   */
  async take(max: number, handOver = false): Promise<Uint8Array | null> {
    while (this.#offset === this.#length) {
      if (this.#ended) return null;
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await this.#reader.read();
      } catch (error) {
        throw this.#wrap(error);
      }
      if (result.done) {
        this.#ended = true;
        return null;
      }
      this.#chunk = result.value;
      this.#length = result.value.byteLength;
      this.#offset = 0;
    }
    const count = Math.min(max, this.#length - this.#offset);
    const bytes = this.#chunk.subarray(this.#offset, this.#offset + count);
    this.#offset += count;
    this.position += count;
    return handOver && this.#offset < this.#length ? bytes.slice() : bytes;
  }

  /** Fills `into`; resolves with the count, less than its length only at the stream's end. */
  async fill(into: Uint8Array): Promise<number> {
    let filled = 0;
    while (filled < into.byteLength) {
      const bytes = await this.take(into.byteLength - filled);
      if (bytes === null) break;
      into.set(bytes, filled);
      filled += bytes.byteLength;
    }
    return filled;
  }

  /** Passes over `count` bytes; resolves with how many there were. */
  async skip(count: number): Promise<number> {
    let skipped = 0;
    while (skipped < count) {
      const bytes = await this.take(count - skipped);
      if (bytes === null) break;
      skipped += bytes.byteLength;
    }
    return skipped;
  }

  cancel(reason?: unknown): void {
    this.#reader.cancel(reason).catch(() => {});
  }
}
