/** The view a BYOB read of the source fills for a default reader that came after a BYOB one. */
const CHUNK_SIZE = 64 * 1024;

/**
 * One response body's end: noticed once, whichever way the body is read or ended (see
 * `onBodyEnd`, which puts one on a response, and `pipeBody`).
 */
export class BodyEndNotice {
  readonly #source: () => ReadableStream<Uint8Array<ArrayBuffer>> | null;
  readonly #signal: AbortSignal;
  readonly #onEnd: () => void;
  #ended = false;
  #stream: ReadableStream<Uint8Array<ArrayBuffer>> | undefined;
  /** Errors the stream with the signal's reason while it runs (whole reads need none). */
  #onAbort: (() => void) | undefined;

  constructor(
    source: () => ReadableStream<Uint8Array<ArrayBuffer>> | null,
    signal: AbortSignal,
    onEnd: () => void,
  ) {
    this.#source = source;
    this.#signal = signal;
    this.#onEnd = onEnd;
    if (signal.aborted) {
      this.#end();
      source()?.cancel(signal.reason).catch(() => {});
    }
  }

  /** The body as a stream, made on first use; `null` when the response has none. */
  stream(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (this.#stream) return this.#stream;
    const source = this.#source();
    if (!source) {
      // A body-less answer (HEAD, or a status not listed as body-less): over at once.
      this.#end();
      return null;
    }
    this.#stream = this.#ended && this.#signal.aborted
      ? erroredStream(this.#signal.reason)
      : this.#noticingStream(source);
    return this.#stream;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#onAbort) this.#signal.removeEventListener("abort", this.#onAbort);
    this.#onEnd();
  }

  /**
   * Reads the body whole, ending at the read's end. An abort of `signal` ends the read through
   * fetch, which was given the same signal: it rejects the runtime's read and closes the
   * connection (also beside an endless upload, where a stream's pending read stayed pending).
   * No listener of its own: adding and removing one cost more than the rest of the read.
   */
  async whole<T>(read: () => Promise<T>): Promise<T> {
    if (this.#ended && this.#signal.aborted) throw this.#signal.reason;
    try {
      return await read();
    } catch (error) {
      throw this.#signal.aborted ? this.#signal.reason : error;
    } finally {
      this.#end();
    }
  }

  /** Pipes the body into `destination` as the runtime gives it (see `pipeBody`). */
  async pipeTo(destination: WritableStream<Uint8Array>): Promise<void> {
    if (this.#ended && this.#signal.aborted) throw this.#signal.reason;
    if (this.#stream) throw new TypeError("the body is being read already");
    const source = this.#source();
    try {
      if (!source) throw new TypeError("the response has no body");
      await source.pipeTo(destination, { signal: this.#signal });
    } catch (error) {
      throw this.#signal.aborted ? this.#signal.reason : error;
    } finally {
      this.#end();
    }
  }

  #noticingStream(
    source: ReadableStream<Uint8Array<ArrayBuffer>>,
  ): ReadableStream<Uint8Array<ArrayBuffer>> {
    // The result is a byte stream whatever the transport gave, so a BYOB reader always works.
    // How the source is read follows the first reader: a BYOB reader's view is filled straight
    // from the source (a fetch body is a byte stream), and a default reader gets the source's
    // own chunks, neither copied nor re-cut (a 64 KiB view filled for it cost a pull-progress
    // stream about 4 % of its rate). A reader of the other kind later still gets every byte.
    let reader:
      | ReadableStreamBYOBReader
      | ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>>
      | undefined;
    let controller!: ReadableByteStreamController;
    this.#onAbort = () => {
      if (this.#ended) return;
      this.#end();
      controller.error(this.#signal.reason);
      (reader ?? source).cancel(this.#signal.reason).catch(() => {});
    };
    this.#signal.addEventListener("abort", this.#onAbort, { once: true });
    return new ReadableStream({
      type: "bytes",
      start: (byteController) => {
        controller = byteController;
      },
      pull: async () => {
        const request = controller.byobRequest;
        reader ??= (request && byobReaderOf(source)) ?? source.getReader();
        let result: ReadableStreamReadResult<Uint8Array<ArrayBuffer>>;
        try {
          result = reader instanceof ReadableStreamBYOBReader
            ? await reader.read(
              (request?.view ?? new Uint8Array(CHUNK_SIZE)) as Uint8Array<ArrayBuffer>,
            )
            : await readNonEmpty(reader);
        } catch (error) {
          if (this.#ended) return;
          this.#end();
          throw error;
        }
        // Aborted while the read was under way: the stream is errored already.
        if (this.#ended) return;
        if (result.done) {
          this.#end();
          controller.close();
        }
        if (request && reader instanceof ReadableStreamBYOBReader) {
          // The read took the view's buffer over, so the answer is always the view it gave
          // back: filled, or empty at the end (a reader waiting on this pull learns of the end
          // only through that answer).
          if (result.value) request.respondWithNewView(result.value);
        } else if (result.done) controller.byobRequest?.respond(0);
        else controller.enqueue(result.value);
      },
      cancel: (reason) => {
        this.#end();
        return (reader ?? source).cancel(reason);
      },
    });
  }
}

/** A BYOB reader of `source`, or `undefined` when it is not a byte stream. */
function byobReaderOf(
  source: ReadableStream<Uint8Array<ArrayBuffer>>,
): ReadableStreamBYOBReader | undefined {
  try {
    return source.getReader({ mode: "byob" });
  } catch {
    return undefined;
  }
}

/** The next chunk that holds bytes, or the end: a byte stream refuses empty chunks. */
async function readNonEmpty(
  reader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>>,
): Promise<ReadableStreamReadResult<Uint8Array<ArrayBuffer>>> {
  while (true) {
    const result = await reader.read();
    if (result.done || result.value.byteLength > 0) return result;
  }
}

function erroredStream(reason: unknown): ReadableStream<Uint8Array<ArrayBuffer>> {
  return new ReadableStream({
    start(controller) {
      controller.error(reason);
    },
  });
}
