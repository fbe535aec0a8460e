import { deferredOperation, everyEvent, type Operation } from "../../async/operation.ts";
import type { Observable } from "rxjs";
import { inBandError, streamError } from "../../client/json_stream.ts";
import type { ApiRequest } from "../../client/api_request.ts";
import { checkOperationOptions, operation } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { PodmanError } from "../../errors.ts";
import { notJsonError } from "../../streams/_not_json.ts";
import type { ImagesContext } from "./images_context.ts";
import { storedImageModel } from "./_stored_image_model.ts";
import { checkVia, useLocalApi, type Via } from "./_local_api.ts";
import { bodyMaker } from "./_load_body.ts";
import type { LoadOptions, LoadSource } from "./load_options.ts";
import { files } from "../../runtime/runtime.ts";

function describeSource(source: LoadSource): string {
  if (typeof source === "string") return `"${source}"`;
  if (source instanceof URL) return `"${source.href}"`;
  return "";
}

function loadAction(source: LoadSource): string {
  const where = describeSource(source);
  return where ? `Cannot load images from ${where}` : "Cannot load images";
}

function loadedNames(report: unknown, action: string): string[] {
  const names = (report as { Names?: unknown } | null)?.Names;
  if (names === undefined || names === null) return [];
  if (!Array.isArray(names) || !names.every((name) => typeof name === "string")) {
    throw new PodmanError(`${action}: the server's report has no list of names`);
  }
  return names;
}

/**
 * Loads the images of an archive: `POST /images/load` with the archive as the body, then
 * one inspect per loaded name.
 *
 * The archive is streamed: a file is opened at subscribe time and read as the request is
 * sent (no `Content-Length`; Podman takes a chunked upload), a Blob through `blob.stream()`,
 * bytes as they are. The file is closed, and a stream source cancelled, on every exit path,
 * unsubscribing included. A ReadableStream source can be read once: a second subscription
 * errors with {@linkcode PodmanError} instead of waiting on a spent stream.
 *
 * A file the service is proven to see at the same path is not uploaded: the service reads it
 * in place (`POST /libpod/local/images/load?path=`, Podman 5.7 and later), unless
 * `options.via` says `"upload"`; the loaded images and their order are the same.
 *
 * @param context The service that loads the archive, and how to make a model.
 * @param source A file path or `file:` URL, a `Uint8Array`, a `Blob` or a
 * `ReadableStream<Uint8Array>` holding a `docker-archive` or `oci-archive`.
 * @param options `via` (how a file reaches the service), an idle `timeout`, a `signal`.
 * @returns A cold Observable that, on subscribe, uploads the archive and emits each loaded
 * model in the order the server names them, then completes. A file that cannot
 * be opened errors with {@linkcode PodmanError} naming the path before anything is sent; an
 * archive the server cannot read errors with {@linkcode APIError} carrying its message
 * (`payload does not match any of the supported image formats ...`). Before anything is sent,
 * it errors with `TypeError` when the source is missing or of another kind, an empty path or
 * archive, or a stream that is locked, or `via: "local"` with a source that is no path, and
 * with `RangeError` for a URL other than `file:` or an unknown `via`; with `via: "local"`, a
 * service that cannot read the file in place errors it with {@linkcode PodmanError} saying
 * why, before the archive is sent.
 *
 * @example Loading an archive saved earlier
 * ```ts check-only
 * import { PodmanClient } from "@podrx/podrx";
 * import { lastValueFrom, toArray } from "rxjs";
 *
 * await using podman = new PodmanClient();
 * const images = await lastValueFrom(podman.images.load("./app.tar").pipe(toArray()));
 * console.log(images.map((image) => image.tags));
 * ```
 */
export function loadImages<M>(
  context: ImagesContext<M>,
  source: LoadSource,
  options?: LoadOptions,
): Operation<M, M[]> {
  return deferredOperation(() => loadAction(source), (action) => {
    checkOperationOptions(options, action);
    checkVia(options?.via, action);
    if (options?.via === "local" && !isPath(source)) {
      throw new TypeError(`${action}: via "local" needs a file path or a file: URL`);
    }
    return loadChecked(context, source, action, options);
  }, everyEvent<M>);
}

function isPath(source: LoadSource): source is string | URL {
  return typeof source === "string" || source instanceof URL;
}

/**
 * The archive's real path when the service is to read it in place, else `undefined` (upload).
 * Only a regular file qualifies: a named pipe can be read once, by one reader.
 */
async function localArchive(
  requester: Requester,
  source: string | URL,
  via: Via,
  action: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (via === "upload") return undefined;
  let real: string;
  try {
    real = await files.realPath(source);
    if (!(await files.stat(real)).isFile) {
      if (via === "local") throw new PodmanError(`${action}: via "local" needs a regular file`);
      return undefined;
    }
  } catch (error) {
    if (error instanceof PodmanError) throw error;
    // The upload reports a missing or unreadable file in its own words.
    if (via === "auto") return undefined;
    throw new PodmanError(`${action}: ${(error as Error).message}`, { cause: error });
  }
  const directory = real.slice(0, real.lastIndexOf("/")) || "/";
  return await useLocalApi(requester, via, [directory], action, signal) ? real : undefined;
}

function loadChecked<M>(
  context: ImagesContext<M>,
  source: LoadSource,
  action: string,
  options: LoadOptions | undefined,
): Observable<M> {
  const makeBody = bodyMaker(source, action);
  return operation<M>(action, options, async ({ emit, signal, alive }) => {
    const local = isPath(source)
      ? await localArchive(context.requester, source, options?.via ?? "auto", action, signal)
      : undefined;
    // Read in place, the load is the same but for the path and the missing body.
    const prepared = local === undefined
      ? await makeBody(options?.timeout === undefined ? undefined : alive)
      : undefined;
    const request: ApiRequest = prepared === undefined
      ? { method: "POST", path: "/local/images/load", query: { path: local }, action }
      : {
        method: "POST",
        path: "/images/load",
        headers: { "Content-Type": "application/x-tar" },
        body: prepared.body,
        action,
      };
    let names: string[];
    try {
      const response = await context.requester.request(request, signal);
      alive();
      const text = await response.text();
      let report: unknown;
      try {
        report = JSON.parse(text);
      } catch (error) {
        throw notJsonError(`${action}: the server's report is not JSON`, text, error);
      }
      const message = inBandError(report);
      if (message !== undefined) {
        throw streamError({ method: "POST", path: request.path, action }, request.path, message);
      }
      // An untagged image is named by its id (Podman writes `sha256:<hex>`), inspected so.
      names = loadedNames(report, action);
      // A 200 that names nothing loaded nothing: a failure, never an empty success.
      if (names.length === 0) {
        throw streamError(
          { method: "POST", path: request.path, action },
          request.path,
          "the server answered without naming a loaded image",
        );
      }
    } finally {
      await prepared?.release();
    }
    for (const name of names) emit(await storedImageModel(context, name, signal, options));
  });
}
