import { deferredOperation, type Operation } from "../../../async/operation.ts";
import type { Observable } from "rxjs";
import { checkOperationOptions, operation } from "../../../client/operation.ts";
import { requireOneOf } from "../../../vocabulary/one_of.ts";
import { parseReference } from "../../../vocabulary/reference.ts";
import { useStreamOnce } from "../../../streams/_single_use.ts";
import type { ImagesContext } from "../images_context.ts";
import { storedImageModel } from "../_stored_image_model.ts";
import {
  type ContextLocation,
  locateContext,
  packContext,
  packDockerfile,
  unlikeInPlace,
} from "./_context.ts";
import { checkVia, PROBE_EXCLUDE, useLocalApi, type Via } from "../_local_api.ts";
import type { Requester } from "../../../client/requester.ts";
import type { Query } from "../../../client/query.ts";
import { buildQuery, tagsOf } from "./_params.ts";
import { type OptionSince, requireOptionsSince } from "../../../client/option_since.ts";
import { requireWholeNumber } from "../../../vocabulary/whole_number.ts";
import { requireStringList, requireStringRecord } from "../../../vocabulary/strings.ts";
import { validateRegistryRetry } from "../../../vocabulary/registry_retry.ts";
import {
  type BuildContextSource,
  buildContextSources,
  packNamedContexts,
  requireBuildContextSupport,
} from "./_build_contexts.ts";
import { uploadBody } from "./_upload.ts";
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

function isByteStream(value: unknown): value is ReadableStream<Uint8Array> {
  return value instanceof ReadableStream;
}

/**
 * Checks the arguments before anything is sent: `TypeError` for a wrong type, a missing or
 * conflicting source; `RangeError` for a value outside what is allowed (a malformed tag, an
 * unknown encoding or pull policy, a Dockerfile outside the context).
 */
function validate(options: BuildOptions, action: string): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${action}: options are required`);
  }
  checkOperationOptions(options, action);
  const sources = (["path", "fileobj", "customContext"] as const).filter((key) =>
    options[key] !== undefined
  );
  if (sources.length !== 1) {
    throw new TypeError(
      sources.length === 0
        ? `${action}: give one of path, fileobj or customContext`
        : `${action}: give only one of path, fileobj or customContext, got ${sources.join(", ")}`,
    );
  }
  const { path, fileobj, customContext, dockerfile, encoding } = options;
  if (path !== undefined && (typeof path !== "string" || path === "")) {
    throw new TypeError(`${action}: path must be a non-empty string`);
  }
  if (
    fileobj !== undefined && typeof fileobj !== "string" && !(fileobj instanceof Uint8Array) &&
    !isByteStream(fileobj)
  ) {
    throw new TypeError(`${action}: fileobj must be a string, a Uint8Array or a ReadableStream`);
  }
  if (
    customContext !== undefined && !(customContext instanceof Uint8Array) &&
    !isByteStream(customContext)
  ) {
    throw new TypeError(`${action}: customContext must be a Uint8Array or a ReadableStream`);
  }
  if (dockerfile !== undefined && (typeof dockerfile !== "string" || dockerfile === "")) {
    throw new TypeError(`${action}: dockerfile must be a non-empty string`);
  }
  if (customContext !== undefined && dockerfile === undefined) {
    throw new TypeError(`${action}: customContext needs dockerfile, the Dockerfile's path in it`);
  }
  if (
    fileobj !== undefined && dockerfile !== undefined &&
    (dockerfile.startsWith("/") || dockerfile.split("/").includes(".."))
  ) {
    throw new RangeError(
      `${action}: with fileobj, dockerfile names the file inside the context; ` +
        `"${dockerfile}" leaves it`,
    );
  }
  requireOneOf(encoding, ["gzip"], "encoding", action);
  checkVia(options.via, action);
  if (options.via === "local" && path === undefined) {
    throw new TypeError(`${action}: via "local" needs path, a context directory`);
  }
  if (options.via === "local" && hasSecrets(options)) {
    throw new TypeError(
      `${action}: via "local" cannot take secrets: a build read in place would have the ` +
        "server move the secret files out of your context directory",
    );
  }
  requireOneOf(options.policy, ["always", "missing", "newer", "never"], "policy", action);
  const platforms = buildPlatforms(options.platform);
  validateBuildPlatforms(platforms, action);
  if (platforms.length > 1 && options.manifest === undefined) {
    throw new TypeError(`${action}: several platforms need manifest, the list to collect them`);
  }
  if (options.manifest !== undefined) parseReference(options.manifest);
  requireStringRecord(options.annotations, "annotations", action);
  requireWholeNumber(options.timestamp, "timestamp", action);
  requireWholeNumber(options.sourceDateEpoch, "sourceDateEpoch", action);
  requireStringRecord(options.env, "env", action);
  requireStringList(options.unsetEnv, "unsetEnv", action);
  if (options.from !== undefined) parseReference(options.from);
  requireStringList(options.unsetLabels, "unsetLabels", action);
  requireStringList(options.unsetAnnotations, "unsetAnnotations", action);
  validateRegistryRetry(options, action);
  for (const tag of tagsOf(options)) {
    try {
      parseReference(tag);
    } catch (error) {
      // The same class, with the build named in the message.
      const Class = error instanceof RangeError ? RangeError : TypeError;
      throw new Class(`${action}: ${(error as Error).message}`);
    }
  }
}

/** A stream option claimed for this subscription; bytes and strings need no claim. */
function claim<T extends ReadableStream<Uint8Array> | Uint8Array | string>(
  value: T,
  what: string,
  action: string,
): T {
  return isByteStream(value) ? useStreamOnce(value, what, action) : value;
}

interface UploadSource {
  body: ReadableStream<Uint8Array> | Uint8Array;
  dockerfile: string | undefined;
  excludes: readonly string[] | undefined;
  failure(): unknown;
}

const NO_FAILURE = (): unknown => undefined;

/** The context to upload, from whichever source the options give (`location` for `path`). */
async function uploadSource(
  options: BuildOptions,
  location: ContextLocation | undefined,
  action: string,
  signal: AbortSignal,
): Promise<UploadSource> {
  const { fileobj, customContext, dockerfile } = options;
  if (customContext !== undefined) {
    return {
      body: claim(customContext, "customContext", action),
      dockerfile,
      excludes: undefined,
      failure: NO_FAILURE,
    };
  }
  if (fileobj !== undefined) {
    const name = dockerfile ?? "Dockerfile";
    const body = await packDockerfile(claim(fileobj, "fileobj", action), name);
    return { body, dockerfile: name, excludes: undefined, failure: NO_FAILURE };
  }
  return packContext(location!, action, signal);
}

function hasSecrets(options: BuildOptions): boolean {
  return options.secrets !== undefined && options.secrets.length > 0;
}

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
  validate(options, action);
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
