import { notJsonError } from "./_not_json.ts";

/** Splits text, chunk by chunk, into lines and parses each as JSON; one splitter a body. */
class JsonLineSplitter {
  #pending = "";
  #what: string;

  constructor(what: string) {
    this.#what = what;
  }

  /** Parses every line that `chunk` completes and hands each value to `onValue`. */
  push(chunk: string, onValue: (value: unknown) => void): void {
    let newline = chunk.indexOf("\n");
    if (newline === -1) {
      this.#pending += chunk;
      return;
    }
    // Only the first line of this chunk joins what was pending: no quadratic re-scans.
    this.#parse(this.#pending + chunk.slice(0, newline), onValue);
    this.#pending = "";
    let start = newline + 1;
    while ((newline = chunk.indexOf("\n", start)) !== -1) {
      this.#parse(chunk.slice(start, newline), onValue);
      start = newline + 1;
    }
    this.#pending = chunk.slice(start);
  }

  /** Parses the last line, which has no newline after it. */
  end(onValue: (value: unknown) => void): void {
    this.#parse(this.#pending, onValue);
    this.#pending = "";
  }

  #parse(line: string, onValue: (value: unknown) => void): void {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw notJsonError(`${this.#what}: the server sent a line that is not JSON`, text, error);
    }
    onValue(value);
  }
}

/**
 * Reads a response body as JSON lines and calls `onValue` for each, as it arrives: what
 * Podman's progress, build and load streams are. Any chunking of the same bytes gives the same
 * values, a character split across chunks included; `\r\n` endings and blank lines are
 * tolerated and a last line without a newline is read; a line that is not JSON rejects with a
 * {@linkcode PodmanError} whose message starts with `what`. `alive` is called for every chunk
 * read, before the values that chunk completes.
 *
 * The reader is ours: when the request's signal aborts, the pending read fails at once (fetch
 * aborts the body), and the reader is cancelled on every exit path (an error thrown by
 * `onValue` included) so the connection is released.
 *
 * The lines are parsed in the read loop itself, not through a stream of values: a stream would
 * cost a queue entry and a promise per value, which on a progress stream of millions of short
 * lines is most of the time spent.
 */
export async function forEachJsonLine(
  body: ReadableStream<Uint8Array> | null,
  what: string,
  alive: () => void,
  onValue: (value: unknown) => void,
): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const lines = new JsonLineSplitter(what);
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      // Every chunk counts as life for the idle timeout, even in the middle of a long line.
      alive();
      lines.push(decoder.decode(value, { stream: true }), onValue);
    }
    lines.push(decoder.decode(), onValue);
    lines.end(onValue);
  } finally {
    await reader.cancel().catch(() => {});
  }
}
