import { deferredOperation, type Operation } from "../../../async/operation.ts";
import type { Observable } from "rxjs";
import { operation } from "../../../client/operation.ts";
import type { ImagesContext } from "../images_context.ts";
import { storedImageModel } from "../_stored_image_model.ts";
import { type ContextLocation, locateContext, unlikeInPlace } from "./_context.ts";
import { PROBE_EXCLUDE, useLocalApi, type Via } from "../_local_api.ts";
import type { Requester } from "../../../client/requester.ts";
import type { Query } from "../../../client/query.ts";
import { buildQuery, tagsOf } from "./_params.ts";
import { type OptionSince, requireOptionsSince } from "../../../client/option_since.ts";
import {
  type BuildContextSource,
  buildContextSources,
  packNamedContexts,
  requireBuildContextSupport,
} from "./_build_contexts.ts";
import { uploadBody } from "./_upload.ts";
import { uploadSource } from "./_upload_source.ts";
import { hasSecrets, validateBuildOptions } from "./_validate_build_options.ts";
import { buildResult, type BuildResultOf } from "./build_result.ts";
import type { BuildOptions } from "./build_options.ts";
import { finishManifestBuild } from "./build_manifest.ts";
import type { BuildEventOf } from "./build_events.ts";
import { readBuildLog } from "./_build_log.ts";
import { buildPlatforms, validateBuildPlatforms } from "../../../vocabulary/build_platforms.ts";

/**
 * The options Podman's build handler reads only from some version on
 * (pkg/api/handlers/compat/images_build.go); an older one would build without them.
 */
const SINCE: readonly OptionSince<BuildOptions>[] = [
  ["env", 4, 1],
  ["omitHistory", 4, 2],
  ["unsetLabels", 4, 8],
  ["retry", 5, 3],
  ["retryDelay", 5, 3],
  ["inheritLabels", 5, 5],
  ["sourceDateEpoch", 5, 6],
  ["rewriteTimestamp", 5, 6],
  ["inheritAnnotations", 5, 6],
  ["createdAnnotation", 5, 6],
  ["unsetAnnotations", 5, 6],
];

/**
 * Whether a build from `path` may be read in place at all: not when the caller says
 * `upload`, nor with secrets (Podman moves each secret file out of the context directory to
 * keep it out of the image, which in place would be the caller's own directory; seen on
 * Podman 5.8), nor with a local directory among the named contexts, which goes in the upload.
 */
function inPlaceCandidate(
  options: BuildOptions,
  namedContexts: readonly BuildContextSource[],
): boolean {
  return options.path !== undefined && options.via !== "upload" && !hasSecrets(options) &&
    namedContexts.every((named) => named.kind !== "local");
}

/**
 * Whether the service is to read the context directory in place; see `useLocalApi`. Not on
 * its own (`auto`) for a context with entries Podman would take otherwise than the upload
 * (hard links, FIFOs): the image must be the same either way.
 */
async function readInPlace(
  requester: Requester,
  via: Via,
  location: ContextLocation,
  action: string,
  signal: AbortSignal,
): Promise<boolean> {
  // The Dockerfile (and an ignore file beside it) may lie outside the context.
  const dockerfileDir = location.dockerfile.slice(0, location.dockerfile.lastIndexOf("/")) || "/";
  const directories = location.inside === undefined
    ? [location.root, dockerfileDir]
    : [location.root];
  if (!await useLocalApi(requester, via, directories, action, signal)) return false;
  return via === "local" || await unlikeInPlace(location) === undefined;
}

/**
 * The query of `POST /libpod/local/build`: the upload's, with the context's and the
 * Dockerfile's real paths. The ignore file's patterns go as `excludes`, as with an upload,
 * plus one for other operations' probe files, which the service could see in the directory.
 */
function localQuery(
  options: BuildOptions,
  location: ContextLocation,
  namedContexts: readonly BuildContextSource[],
  apiVersion: string,
  action: string,
): Query {
  const excludes = [...location.patterns, PROBE_EXCLUDE];
  return {
    ...buildQuery(
      options,
      { dockerfile: location.dockerfile, excludes, namedContexts },
      apiVersion,
      action,
    ),
    localcontextdir: location.root,
  };
}

/**
 * `ImagesManager.build`: packs or takes the context, uploads it to `POST /libpod/build` and
 * follows the log. A context directory the service is proven to see at the same path is not
 * uploaded: the service reads it in place (`POST /libpod/local/build`, Podman 5.7 and later),
 * unless `options.via` says `"upload"` or there are `secrets`; the events are the same.
 *
 * @param context The service to build on, and how to make the model of the image.
 * @param options The context source (`path`, `fileobj` or `customContext`) and build options.
 * @returns A cold Observable: on subscribe it checks the context, then uploads it while
 * reading it from disk; it emits each log line as the server writes it and ends with a
 * `built` event holding the model. A failed build errors with
 * {@linkcode BuildError} (the server's message, and the log so far); a refused request with
 * {@linkcode APIError}; a missing context or Dockerfile with {@linkcode PodmanError} before
 * anything is sent. Unsubscribing aborts the upload and the build, and closes open files.
 * A service that dies mid-build errors with {@linkcode ConnectionError} (as mid-pull). Bad
 * options error it before anything is sent: `TypeError` when they are inconsistent (no source
 * or several, `customContext` without `dockerfile`, `via: "local"` without `path` or with
 * `secrets`) or of the wrong type, `RangeError` for a malformed tag or an unknown `encoding`,
 * `policy` or `via`; with `via: "local"`, {@linkcode PodmanError} saying why the service
 * cannot read the context in place; and {@linkcode PodmanError} for an
 * option the server's version does not read (`sourceDateEpoch` before Podman 5.6, a local
 * directory in `additionalBuildContexts` before 5.6...), naming it and the version it needs.
 *
 * @example Building a directory and printing the log
 * ```ts check-only
 * import { PodmanClient } from "@podrx/podrx";
 * import { lastValueFrom, tap } from "rxjs";
 *
 * await using podman = new PodmanClient();
 * const built = await lastValueFrom(
 *   podman.images.build({ path: "./app", tag: "localhost/app:dev" }).pipe(
 *     tap((event) => event.type === "log" && console.log(event.line.trimEnd())),
 *   ),
 * );
 * if (built.type === "built") console.log(built.image.id);
 * ```
 */
export function buildImage<M>(
  context: ImagesContext<M>,
  options: BuildOptions,
): Operation<BuildEventOf<M>, BuildResultOf<M>> {
  return deferredOperation(
    () => buildAction(options),
    (action) => buildChecked(context, options, action),
    buildResult<M>,
  );
}

/** What a build's errors start with: the image's first tag, when the options name one. */
function buildAction(options: BuildOptions): string {
  const tags = typeof options === "object" && options !== null ? tagsOf(options) : [];
  return tags.length > 0 ? `Cannot build image "${String(tags[0])}"` : "Cannot build image";
}

function buildChecked<M>(
  context: ImagesContext<M>,
  options: BuildOptions,
  action: string,
): Observable<BuildEventOf<M>> {
  validateBuildOptions(options, action);
  const namedContexts = buildContextSources(options.additionalBuildContexts, action);
  const localNamed = namedContexts.find((named) => named.kind === "local");
  if (options.via === "local" && localNamed !== undefined) {
    throw new TypeError(
      `${action}: via "local" cannot take additionalBuildContexts "${localNamed.name}", a ` +
        "local directory, which goes in the upload",
    );
  }
  const { requester } = context;
  return operation<BuildEventOf<M>>(action, options, async (stream) => {
    const { signal } = stream;
    // Stops the packer when the request ends early, not only on unsubscribe.
    const packing = new AbortController();
    const packSignal = AbortSignal.any([signal, packing.signal]);
    try {
      // The contexts are checked first: a bad path fails without a word to the server.
      const candidate = inPlaceCandidate(options, namedContexts);
      const location = options.path === undefined
        ? undefined
        : await locateContext(options.path, options.dockerfile, action);
      const pack = async () => ({
        source: await uploadSource(options, location, action, packSignal),
        named: await packNamedContexts(namedContexts, action, packSignal),
      });
      let packed = candidate ? undefined : await pack();
      const apiVersion = await requester.apiVersion(signal);
      requireOptionsSince(options, SINCE, apiVersion, action);
      requireBuildContextSupport(namedContexts, apiVersion, action);
      let response: Response;
      if (
        candidate && await readInPlace(requester, options.via ?? "auto", location!, action, signal)
      ) {
        response = await requester.request({
          method: "POST",
          path: "/local/build",
          query: localQuery(options, location!, namedContexts, apiVersion, action),
          // The user's credentials for the registries base images may come from.
          credentials: { everyRegistry: true },
          action,
        }, signal);
      } else {
        packed ??= await pack();
        const { source, named } = packed;
        const query = buildQuery(options, { ...source, namedContexts }, apiVersion, action);
        const upload = uploadBody(
          source,
          named,
          options.encoding,
          stream.alive,
          options.customContext === undefined,
        );
        try {
          response = await requester.request({
            method: "POST",
            path: "/build",
            query,
            headers: { "Content-Type": upload.contentType },
            body: upload.body,
            credentials: { everyRegistry: true },
            action,
          }, signal);
        } catch (error) {
          // A file that could not be read fails the upload; say that, not "connection lost".
          const failure = upload.failure();
          throw failure !== undefined && !signal.aborted ? failure : error;
        }
      }
      stream.alive();
      const { id, log } = await readBuildLog(response, action, stream);
      stream.emit(
        options.manifest === undefined
          ? {
            type: "built",
            image: await storedImageModel(context, id, signal, undefined, builtName(options.tag)),
          }
          : await finishManifestBuild(
            context,
            options.manifest,
            validateBuildPlatforms(buildPlatforms(options.platform), action),
            log,
            action,
            signal,
          ),
      );
    } finally {
      packing.abort();
    }
  });
}

/** The name a built image goes by: its first tag as the caller gave it. */
function builtName(tag: string | string[] | undefined): string | undefined {
  return Array.isArray(tag) ? tag[0] : tag;
}
