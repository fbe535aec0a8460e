/**
 * Reads a tar archive as it streams in, entry by entry, each entry's body a stream of its own:
 * what Podman's artifact extract answers with (written by Go's archive/tar), whose files are
 * model weights of many GiB. Memory stays at one chunk of the source whatever the sizes.
 *
 * @module
 */

import { isPodmanError, PodmanError } from "../errors.ts";
import { BLOCK_BYTES, padding } from "./header.ts";
import type { TarEntry } from "./tar_entry.ts";
import { archiveError, truncatedArchive } from "./_archive_error.ts";
import { ByteSource } from "./_byte_source.ts";
import { entryType } from "./_parse_header.ts";
import { type EntryHeader, readEntryHeader } from "./_read_entry_header.ts";

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** An entry's body while the archive is on it. */
interface BodyState {
  readonly name: string;
  /** Bytes of the body not yet given out. */
  remaining: number;
  /** Zeros after the body up to the next block. */
  readonly padding: number;
  controller?: ReadableStreamDefaultController<Uint8Array>;
  /** The read from the source under way for this body, if any. */
  pulling: Promise<void> | undefined;
  /** Neither read to its end nor failed: the body may still give bytes. */
  open: boolean;
}

type ReaderState =
  | { kind: "reading" }
  | { kind: "ended" }
  | { kind: "failed"; failure: PodmanError };

/** Fails a body that may still give bytes, so that its reader is not left waiting. */
function stopBody(body: BodyState, error: PodmanError): void {
  if (!body.open) return;
  body.open = false;
  body.controller?.error(error);
}

class TarReader implements AsyncIterableIterator<TarEntry> {
  #source: ByteSource;
  #action: string;
  #state: ReaderState = { kind: "reading" };
  #body: BodyState | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #block = new Uint8Array(BLOCK_BYTES);

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>, action: string) {
    this.#action = action;
    this.#source = new ByteSource(reader, (error) =>
      isPodmanError(error) ? error : new PodmanError(
        `${action}: cannot read the archive: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      ));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<TarEntry> {
    return this;
  }

  next(): Promise<IteratorResult<TarEntry>> {
    // One entry at a time: a second call waits for the first.
    const result = this.#queue.then(() => this.#advance());
    this.#queue = result.catch(() => {});
    return result;
  }

  return(): Promise<IteratorResult<TarEntry>> {
    if (this.#state.kind === "reading") {
      this.#state = { kind: "ended" };
      if (this.#body) {
        stopBody(
          this.#body,
          this.#error(`the archive was closed before "${this.#body.name}" was read to its end`),
        );
      }
      this.#source.cancel();
    }
    return Promise.resolve(DONE);
  }

  async #advance(): Promise<IteratorResult<TarEntry>> {
    try {
      if (this.#stopped()) return DONE;
      await this.#leaveBody();
      if (this.#stopped()) return DONE;
      const entry = await this.#readEntry();
      if (this.#stopped()) return DONE;
      if (entry !== undefined) return { done: false, value: entry };
      this.#state = { kind: "ended" };
      // The archive is over; whatever follows (a writer's padding to its record size) is not
      // needed, and cancelling releases the connection.
      this.#source.cancel();
      return DONE;
    } catch (error) {
      if (this.#state.kind === "ended") return DONE;
      throw this.#fail(error);
    }
  }

  /**
   * Whether the reading ended (the archive's end, or `return()` while a read was under way);
   * throws what failed it, if something did (a body cancelled or failing meanwhile).
   */
  #stopped(): boolean {
    if (this.#state.kind === "failed") throw this.#state.failure;
    return this.#state.kind === "ended";
  }

  #error(problem: string, cause?: unknown): PodmanError {
    return archiveError(this.#action, problem, cause);
  }

  #truncated(where: string): PodmanError {
    return truncatedArchive(this.#action, where);
  }

  /** Stops on `error`: fails the open body with it, and cancels the source. */
  #fail(error: unknown): PodmanError {
    if (this.#state.kind === "failed") return this.#state.failure;
    const failure = isPodmanError(error) ? error : this.#error(String(error), error);
    // After the end nothing is left to fail: the source is cancelled and no body is open.
    if (this.#state.kind === "ended") return failure;
    this.#state = { kind: "failed", failure };
    if (this.#body) stopBody(this.#body, failure);
    this.#source.cancel(failure);
    return failure;
  }

  /** Waits for the current body's read under way, then drains what is left of it. */
  async #leaveBody(): Promise<void> {
    const body = this.#body;
    if (!body) return;
    // A read started while another was under way (a caller reading ahead) is waited for too.
    while (body.pulling) await body.pulling;
    if (this.#stopped()) return;
    if (body.open) {
      stopBody(
        body,
        this.#error(`the body of "${body.name}" was skipped: the next entry was read before it`),
      );
    }
    this.#body = undefined;
    const skipped = await this.#source.skip(body.remaining + body.padding);
    if (skipped < body.remaining) {
      const short = body.remaining - skipped;
      throw this.#truncated(`inside the body of "${body.name}", ${short} bytes short`);
    }
    if (skipped < body.remaining + body.padding) {
      throw this.#truncated(`inside the padding after the body of "${body.name}"`);
    }
  }

  /** Reads the next entry's header; `undefined` at the end of the archive. */
  async #readEntry(): Promise<TarEntry | undefined> {
    const header = await readEntryHeader(this.#source, this.#block, this.#action);
    return header && this.#entry(header);
  }

  #entry({ typeFlag, name, linkname, size: storedSize, mode, mtime }: EntryHeader): TarEntry {
    const type = entryType(typeFlag, name);
    // Links, devices, directories and FIFOs have no body, whatever their size field says.
    const size = "123456".includes(typeFlag) ? 0 : storedSize;
    const body: BodyState = {
      name,
      remaining: size,
      padding: padding(size),
      pulling: undefined,
      open: true,
    };
    this.#body = body;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        body.controller = controller;
        if (size === 0) {
          body.open = false;
          controller.close();
        }
      },
      pull: (controller) => {
        const pulling = this.#pull(body, controller);
        body.pulling = pulling;
        return pulling.finally(() => {
          if (body.pulling === pulling) body.pulling = undefined;
        });
      },
      cancel: (reason) => {
        if (!body.open) return;
        body.open = false;
        this.#fail(this.#error(`the archive was cancelled with the body of "${name}"`, reason));
      },
      // Nothing is read ahead of the caller: one chunk of the source at a time.
    }, { highWaterMark: 0 });
    return Object.freeze({
      name,
      type,
      typeFlag,
      size,
      mode: mode & 0o7777,
      mtime: new Date(mtime * 1000),
      ...(linkname === "" ? {} : { linkname }),
      body: stream,
    });
  }

  /** Gives the body its next bytes; failures fail the whole archive (never rejects). */
  async #pull(
    body: BodyState,
    controller: ReadableStreamDefaultController<Uint8Array>,
  ): Promise<void> {
    let bytes: Uint8Array | null;
    try {
      bytes = await this.#source.take(body.remaining, true);
      if (bytes === null) {
        throw this.#truncated(`inside the body of "${body.name}", ${body.remaining} bytes short`);
      }
    } catch (error) {
      // Fails this body too, unless it was stopped meanwhile (the archive closed or failed).
      if (body.open) this.#fail(error);
      return;
    }
    if (!body.open) return;
    body.remaining -= bytes.byteLength;
    controller.enqueue(bytes);
    if (body.remaining === 0) {
      body.open = false;
      controller.close();
    }
  }
}

/**
 * Reads a tar archive as it streams in. Each entry's body streams too, straight from the
 * source's chunks, so memory stays at about one chunk whatever the entries' sizes. It reads
 * what Go's archive/tar and GNU tar write: ustar names with their prefix, pax extended headers
 * (`path`, `linkpath`, `size`, `mtime`; global ones are passed over), GNU long names and link
 * targets, base-256 numbers; headers' checksums are checked. Two zero blocks end the archive,
 * and so does the source's end at a header's place.
 *
 * The next entry is read once the caller asks for it: what is left of the previous body is
 * drained then, and that body fails if the caller still reads it. So read each body before
 * moving on (or leave it unread to skip it). Ending early (`break` out of a `for await`, or
 * `return()`) cancels the source, and so does cancelling a body; a body still being read then
 * fails. So to hand one entry's body over, stop the iteration only once that body has been
 * read to its end. After the end of the archive the source is cancelled too (it has nothing
 * more of use).
 *
 * Failures are {@linkcode PodmanError}s whose message starts with `action` and says what is
 * wrong: the archive ends mid-header or mid-body, a checksum does not match, a size is not a
 * number, the source failed (its own PodmanError passes as it is). The iteration rejects with
 * it, and so does the body being read.
 *
 * @param source The archive's bytes; the reader takes it over (locks it).
 * @param action What the caller is doing, at the start of error messages.
 * @returns The entries, in archive order.
 * @throws {TypeError} When `source` is locked (being read elsewhere).
 *
 * @example Reading what the writer wrote
 * ```ts
 * import { readTar } from "./reader.ts";
 * import { singleFileTar } from "./single_file.ts";
 * import assert from "node:assert/strict";
 *
 * const archive = await singleFileTar("model/weights.bin", new TextEncoder().encode("hi"));
 * const entries = readTar(ReadableStream.from([archive]), "Cannot extract artifact");
 * for await (const entry of entries) {
 *   assert.equal(entry.name, "model/weights.bin");
 *   assert.equal(await new Response(entry.body).text(), "hi");
 * }
 * ```
 */
export function readTar(
  source: ReadableStream<Uint8Array>,
  action: string,
): AsyncIterableIterator<TarEntry> {
  return new TarReader(source.getReader(), action);
}
