import {
  deferredOperation,
  noResultError,
  type Operation,
  type ResultCollector,
} from "../../async/operation.ts";
import { concatMap, from, map, type Observable } from "rxjs";
import { jsonStream } from "../../client/json_stream.ts";
import { checkOperationOptions } from "../../client/operation.ts";
import { apiAtLeast } from "../../client/api_version.ts";
import {
  type OptionSince,
  optionsSupported,
  requireOptionsSince,
} from "../../client/option_since.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment } from "../../client/request_json.ts";
import { ImageNotFound } from "../../errors.ts";
import {
  formatReference,
  parseReference,
  repositoryOf,
  withTag,
} from "../../vocabulary/reference.ts";
import { requireOneOf } from "../../vocabulary/one_of.ts";
import { encodeRegistryAuth } from "../../vocabulary/registry_auth.ts";
import { retryDelayParam, validateRegistryRetry } from "../../vocabulary/registry_retry.ts";
import { requireWholeNumber } from "../../vocabulary/whole_number.ts";
import { localTags } from "./_local_tags.ts";
import { PushStreamReader } from "./_push_stream.ts";
import type { PushedEvent, PushEvent } from "./push_events.ts";
import type { PushOptions } from "./push_options.ts";

const FORMATS: readonly string[] = ["oci", "v2s1", "v2s2"];

/**
 * The options Podman's push handler reads only from some version on
 * (pkg/api/handlers/libpod/images_push.go); an older one would push without them.
 */
const SINCE: readonly OptionSince<PushOptions>[] = [
  ["removeSignatures", 4, 2],
  ["compressionFormat", 4, 3],
  ["compressionLevel", 4, 6],
  ["forceCompressionFormat", 4, 7],
  ["retry", 5, 0],
  ["retryDelay", 5, 0],
];

/** The local image to push: `repository`, with `tag` appended when given. */
function pushName(repository: string, options: PushOptions): string {
  if (options.tag === undefined) {
    parseReference(repository);
    return repository;
  }
  return formatReference(withTag(repository, options.tag, `Cannot push image "${repository}"`));
}

function validatePushOptions(options: PushOptions, action: string): void {
  if (options.destination !== undefined) parseReference(options.destination);
  requireOneOf(options.format, FORMATS, "format", action);
  requireWholeNumber(options.compressionLevel, "compressionLevel", action);
  validateRegistryRetry(options, action);
  const { compressionFormat } = options;
  if (
    compressionFormat !== undefined &&
    (typeof compressionFormat !== "string" || compressionFormat.trim() === "")
  ) {
    throw new TypeError(`${action}: compressionFormat must be a non-empty string`);
  }
}

/**
 * `ImagesManager.push`: `POST /libpod/images/{name}/push`. On subscribe the arguments are
 * checked first (a malformed name, tag or `format` is a `RangeError`, a wrong type, a tag
 * given twice or a tag or `destination` with `allTags` a `TypeError`, before anything is
 * sent); then the server's API version is read: an option it is too old for is a
 * `PodmanError` naming the option and the version it needs, before the push is sent; and
 * the version picks the mode: Podman 5 and later stream
 * progress (`quiet=false`), Podman 4 answers once the push is done (`quiet=true`): its streaming
 * mode writes no final line on success (fixed in Podman 5.0), so it never reports the digest.
 * The blocking answer is silent until the push is done, so there `timeout` bounds the whole
 * push.
 *
 * @example Pushing to a local registry, against a stand-in for a Podman 5 service
 * ```ts
 * import { PodmanClient } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 * import { lastValueFrom, tap } from "rxjs";
 *
 * // Answers every request with what Podman 5 streams for a push; leave `transport` out to
 * // push through your own service.
 * const digest = `sha256:${"d".repeat(64)}`;
 * const body = [
 *   `{"stream":"Writing manifest to image destination\\n"}`,
 *   `{"manifestdigest":"${digest}"}`,
 * ].join("\n");
 * await using podman = new PodmanClient({
 *   transport: {
 *     origin: "http://libpod",
 *     description: "a fake Podman",
 *     fetch: async () => new Response(body, { headers: { "Libpod-API-Version": "5.4.0" } }),
 *     close: () => {},
 *   },
 * });
 * const pushed = await lastValueFrom(
 *   podman.images.push("127.0.0.1:5000/app:1", { tlsVerify: false }).pipe(
 *     tap((event) => event.type === "status" && console.log(event.message)),
 *   ),
 * );
 * assert.deepEqual(pushed, { type: "pushed", destination: "127.0.0.1:5000/app:1", digest });
 * ```
 */
export function pushImage(
  requester: Requester,
  repository: string,
  options: PushOptions = {},
): Operation<PushEvent, PushedEvent | PushedEvent[]> {
  return deferredOperation(
    () => `Cannot push image "${String(repository)}"`,
    () =>
      options.allTags
        ? pushEveryTag(requester, repository, options)
        : pushChecked(requester, repository, options),
    (action) => pushedEvents(action, (options as PushOptions | null)?.allTags === true),
  );
}

/** A push's result: what was pushed, every tag's with `allTags`, else the one. */
function pushedEvents(
  action: string,
  allTags: boolean,
): ResultCollector<PushEvent, PushedEvent | PushedEvent[]> {
  const pushed: PushedEvent[] = [];
  return {
    add: (event) => {
      if (event.type === "pushed") pushed.push(event);
    },
    result: () => {
      if (pushed.length === 0) throw noResultError(action);
      return allTags ? pushed : pushed[0]!;
    },
  };
}

/**
 * `allTags`: the repository's local tags (listed once, on subscribe), pushed one after
 * another with the same options; each event names its tag. The first failure errors the
 * stream with that tag's own error (its message names the tag), and the tags after it are
 * not pushed; unsubscribing aborts the push under way.
 */
function pushEveryTag(
  requester: Requester,
  repository: string,
  options: PushOptions,
): Observable<PushEvent> {
  const action = `Cannot push image "${String(repository)}"`;
  checkOperationOptions(options, action);
  const parsed = withTag(repository, options.tag, action);
  if (parsed.tag !== undefined || parsed.digest !== undefined) {
    throw new TypeError(`${action}: allTags pushes every tag, so name no tag or digest`);
  }
  if (options.destination !== undefined) {
    throw new TypeError(
      `${action}: allTags pushes each tag to its own name, so give no destination`,
    );
  }
  validatePushOptions(options, action);
  const name = repositoryOf(parsed);
  // An option the server is too old for fails before the tags are even listed.
  return optionsSupported(requester, options, SINCE, action).pipe(
    concatMap(() => localTags(requester, name, options, action)),
    concatMap((tags) => {
      if (tags.length === 0) throw noLocalTagError(action);
      return from(tags).pipe(
        concatMap((tag) =>
          pushChecked(requester, name, { ...options, allTags: false, tag }).pipe(
            map((event): PushEvent => ({ ...event, tag })),
          )
        ),
      );
    }),
  );
}

/**
 * Podman has no answer of its own here (pushing a bare repository asks for its `latest`), so
 * podrx answers as the image endpoints do for a name that is not there: a 404.
 */
function noLocalTagError(action: string): ImageNotFound {
  return new ImageNotFound(action, {
    status: 404,
    method: "GET",
    path: "/libpod/images/json",
    explanation: "allTags found no local tag of this repository",
  });
}

function pushChecked(
  requester: Requester,
  repository: string,
  options: PushOptions,
): Observable<PushEvent> {
  checkOperationOptions(options, `Cannot push image "${String(repository)}"`);
  const name = pushName(repository, options);
  const action = `Cannot push image "${name}"`;
  validatePushOptions(options, action);
  const destination = options.destination ?? name;
  const auth = encodeRegistryAuth(options.authConfig, destination);
  return jsonStream<PushEvent>(
    requester,
    action,
    options,
    async (signal) => {
      const version = await requester.apiVersion(signal);
      requireOptionsSince(options, SINCE, version, action);
      const streams = apiAtLeast(version, 5);
      return {
        method: "POST",
        path: `/images/${pathSegment(name)}/push`,
        query: {
          destination: options.destination,
          format: options.format,
          tlsVerify: options.tlsVerify,
          compressionFormat: options.compressionFormat,
          compressionLevel: options.compressionLevel,
          forceCompressionFormat: options.forceCompressionFormat,
          all: options.all,
          removeSignatures: options.removeSignatures,
          retry: options.retry,
          retryDelay: retryDelayParam(options.retryDelay),
          quiet: !streams,
        },
        headers: auth.headers,
        secrets: auth.secrets,
        credentials: { reference: destination },
        action,
      };
    },
    () => {
      // Each subscription reads its own stream.
      const reader = new PushStreamReader();
      return {
        onValue(value, { emit }) {
          for (const event of reader.read(value)) emit(event);
        },
        onEnd({ emit }) {
          const digest = reader.digest;
          emit(
            digest === undefined
              ? { type: "pushed", destination }
              : { type: "pushed", destination, digest },
          );
        },
      };
    },
  );
}
