import { deferredOperation, type Operation } from "../../async/operation.ts";
import { joinedChunks } from "../../streams/_join_chunks.ts";
import type { Observable } from "rxjs";
import { brokenConnectionError } from "../../client/api_request.ts";
import { isClosedError } from "../../client/_closed_error.ts";
import { operation } from "../../client/operation.ts";
import { PodmanError } from "../../errors.ts";
import { pipeBody } from "../../streams/_on_body_end.ts";
import { isConnectionFailure } from "../../transport/_connection_failure.ts";
import type { Requester } from "../../client/requester.ts";
import type { ImageRef } from "./images_context.ts";
import { saveAction, saveRequest } from "./_save_request.ts";
import type { SaveOptions } from "./save_options.ts";
import type { OpenFile } from "../../runtime/files.ts";
import { files } from "../../runtime/runtime.ts";
import { isSystemError } from "../../runtime/file_errors.ts";

/**
 * Reads a body chunk by chunk with our own reader and hands each to `onChunk`. An abort
 * fails the pending read at once; the reader is cancelled on every exit path, so the
 * connection is released.
 */
async function forEachChunk(
  body: ReadableStream<Uint8Array> | null,
  action: string,
  signal: AbortSignal,
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  try {
    while (true) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        if (signal.aborted) throw error;
        throw downloadError(action, error);
      }
      if (result.done) return;
      onChunk(result.value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

// The same error as any other stream that breaks off (pull, build): the service went away.
function downloadError(action: string, error: unknown): PodmanError {
  // Closing the client is not a broken download; its error says what happened.
  if (isClosedError(error)) return error;
  return brokenConnectionError(action, error);
}

/**
 * Exports an image as an archive: `GET /images/{name}/get?format=...`.
 *
 * @param requester The service to export from.
 * @param image The image to export.
 * @returns A cold Observable that, on subscribe, asks the server for the archive and emits
 * its bytes as `Uint8Array` chunks as they arrive, then completes. Podman 4 writes the whole
 * archive to a temporary file before sending the first byte, so the first chunk can take a
 * while (the `timeout` option counts from the request). Unsubscribing aborts the download and
 * releases the connection. A missing image errors with {@linkcode ImageNotFound}; before
 * anything is sent, `named` that is not one of the image's tags or an unknown `format` errors
 * it with `RangeError` (a wrong type with `TypeError`).
 *
 * @example Collecting an archive in memory, against a stand-in for the service
 * ```ts
 * import { PodmanClient } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 * import { lastValueFrom, toArray } from "rxjs";
 *
 * // Answers an image's inspection with its id, and anything else with a 7-byte "archive";
 * // leave `transport` out to save from your own service.
 * const headers = { "Libpod-API-Version": "5.4.0" };
 * await using podman = new PodmanClient({
 *   transport: {
 *     origin: "http://libpod",
 *     description: "a fake Podman",
 *     fetch: async (url) =>
 *       url.endsWith("/json")
 *         ? Response.json({ Id: "f".repeat(64) }, { headers })
 *         : new Response("archive", { headers }),
 *     close: () => {},
 *   },
 * });
 * const image = await lastValueFrom(podman.images.get("busybox"));
 * const chunks = await lastValueFrom(image.save({ named: true }).pipe(toArray()));
 * assert.equal(chunks.reduce((size, chunk) => size + chunk.byteLength, 0), 7);
 * ```
 */
export function saveImage(
  requester: Requester,
  image: ImageRef,
  options: SaveOptions = {},
): Operation<Uint8Array, Uint8Array> {
  return deferredOperation(() => saveAction(image, options), () => {
    const request = saveRequest(image, options);
    return operation<Uint8Array>(request.action, options, async ({ emit, signal, alive }) => {
      const response = await requester.request(request, signal);
      alive();
      await forEachChunk(response.body, request.action, signal, (chunk) => {
        alive();
        emit(chunk);
      });
    });
  }, joinedChunks);
}

function pathText(path: string | URL): string {
  return path instanceof URL ? path.href : path;
}

function validatePath(path: string | URL, action: string): void {
  if (path instanceof URL) {
    if (path.protocol !== "file:") {
      throw new RangeError(`${action}: only file: URLs can be written, got "${path.protocol}"`);
    }
    return;
  }
  if (typeof path !== "string" || path.trim() === "") {
    throw new TypeError(`${action}: the file path is empty`);
  }
}

async function removePartial(path: string | URL): Promise<void> {
  try {
    await files.remove(path);
  } catch {
    // Already gone, or never created.
  }
}

/**
 * Exports an image straight into a file: the runtime pipes the response's body into the file
 * itself (for Deno's own fetch, without a pass through JavaScript per chunk), so memory stays
 * flat whatever the archive's size.
 *
 * The file is opened (created or truncated) at subscribe time, before the request is sent,
 * so a path that cannot be written fails at once. On any failure, and on unsubscribe, the
 * file is closed and removed, so no cut-off archive is left looking whole (an existing file
 * at that path is gone too: it was truncated when the save began). Removal after an
 * unsubscribe happens just after the teardown, not during it.
 *
 * @param requester The service to export from.
 * @param image The image to export.
 * @param path Where to write the archive.
 * @returns A cold Observable of the bytes written so far, looked at every 100 ms while the
 * file grows (more often under a `timeout` below 400 ms), and the file's size last; it
 * completes once the file is whole and closed. Errors with {@linkcode PodmanError} when the
 * file cannot be opened or written, {@linkcode ImageNotFound} when the image is gone; before
 * anything is sent, with `TypeError` on an empty path and `RangeError` on a URL other than
 * `file:` or bad `named`/`format`.
 *
 * @example Saving with progress
 * ```ts check-only
 * import { PodmanClient } from "@podrx/podrx";
 * import { lastValueFrom, tap } from "rxjs";
 *
 * await using podman = new PodmanClient();
 * const image = await lastValueFrom(podman.images.get("busybox"));
 * const size = await lastValueFrom(
 *   image.saveToFile("./busybox.tar", { named: true }).pipe(tap((bytes) => console.log(bytes))),
 * );
 * console.log(`wrote ${size} bytes`);
 * ```
 */
export function saveImageToFile(
  requester: Requester,
  image: ImageRef,
  path: string | URL,
  options: SaveOptions = {},
): Operation<number> {
  return deferredOperation(
    () => `${saveAction(image, options)} to "${pathText(path)}"`,
    () => saveToFileChecked(requester, image, path, options),
  );
}

function saveToFileChecked(
  requester: Requester,
  image: ImageRef,
  path: string | URL,
  options: SaveOptions,
): Observable<number> {
  const request = saveRequest(image, options);
  validatePath(path, request.action);
  const action = `${request.action} to "${pathText(path)}"`;
  return operation<number>(action, options, async ({ emit, signal, alive }) => {
    let file: OpenFile;
    try {
      file = await files.open(path, { write: true, create: true, truncate: true });
    } catch (error) {
      throw new PodmanError(`${action}: ${(error as Error).message}`, { cause: error });
    }
    let response: Response | undefined;
    let watch: ReturnType<typeof setInterval> | undefined;
    try {
      response = await requester.request({ ...request, action }, signal);
      alive();
      // The progress is the file's size, looked at while the runtime copies the body in:
      // reading it ourselves (copyToFile's 1 MiB reads) took up to twice the runtime's time.
      let reported = -1;
      watch = setInterval(() => {
        file.stat().then(({ size }) => {
          if (watch === undefined || size <= reported || size === 0) return;
          reported = size;
          alive();
          emit(size);
        }, () => {});
      }, watchInterval(options.timeout));
      await pipeBody(response, file.writable).catch((error: unknown) => {
        if (signal.aborted || error === signal.reason) throw error;
        throw bodyPipeError(action, error);
      });
      clearInterval(watch);
      watch = undefined;
      // Unless the last look saw the whole file already.
      const { size } = await files.stat(path);
      if (size > reported) emit(size);
    } catch (error) {
      clearInterval(watch);
      watch = undefined;
      closeQuietly(file);
      await removePartial(path);
      throw error;
    }
    closeQuietly(file);
  });
}

/**
 * How often the size of the file is looked at: 100 ms, or often enough for an idle timeout
 * shorter than 400 ms to see data arriving.
 */
function watchInterval(timeout: number | undefined): number {
  return timeout === undefined ? 100 : Math.max(1, Math.min(100, Math.floor(timeout / 4)));
}

/**
 * What a failed pipe of the archive into the file was: the file's (an OS error writing it:
 * a `Deno.errors` class or an error with an errno `code`) names the file; anything else is the
 * download breaking off.
 */
function bodyPipeError(action: string, error: unknown): Error {
  const osError = error instanceof Error &&
    (isSystemError(error) ||
      typeof (error as { code?: unknown }).code === "string");
  if (osError && !isConnectionFailure(error)) {
    return new PodmanError(`${action}: cannot write the file: ${error.message}`, {
      cause: error,
    });
  }
  return downloadError(action, error);
}

function closeQuietly(file: OpenFile): void {
  try {
    file.close();
  } catch {
    // Its writable closed it already.
  }
}
