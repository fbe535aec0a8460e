import { defer, type Observable } from "rxjs";
import { jsonStream } from "../../client/json_stream.ts";
import { checkOperationOptions, type OperationOptions } from "../../client/operation.ts";
import { apiAtLeast } from "../../client/api_version.ts";
import type { Requester } from "../../client/requester.ts";
import { segment } from "../../client/request_json.ts";
import { formatReference, parseReference, withTag } from "../params/reference.ts";
import { requireOneOf } from "../params/one_of.ts";
import { type AuthConfig, encodeRegistryAuth } from "../params/registry_auth.ts";
import { PushStreamReader } from "./_push_stream.ts";
import type { PullStatusEvent } from "./stream_events.ts";

/** Options for {@linkcode ImagesManager.push}. */
export interface PushOptions extends OperationOptions {
  /** Tag to push; the repository may carry it instead. */
  tag?: string;
  /** Where to push, when not to the image's own name, e.g. `127.0.0.1:5000/team/app:1`. */
  destination?: string;
  /** Manifest type: `oci`, `v2s1` or `v2s2`. */
  format?: "oci" | "v2s1" | "v2s2";
  /**
   * Require HTTPS and verify certificates.
   * @default {true}
   */
  tlsVerify?: boolean;
  /** Credentials for the registry. */
  authConfig?: AuthConfig;
  /** Layer compression: `gzip`, `zstd` or `zstd:chunked`. */
  compressionFormat?: string;
  /** Compression level (Podman 5 and later; older servers ignore it). */
  compressionLevel?: number;
  /**
   * Podman's `all`: when the name is a manifest list, push every image it lists too, as
   * `manifest.push`'s `all` does. It does not push every tag of a repository (Podman 4.3 and
   * 5.4 answer a bare repository with "image not known"), so it is not `pull()`'s `allTags`.
   * @default {false}
   */
  all?: boolean;
  /**
   * Drop signatures when pushing.
   * @default {false}
   */
  removeSignatures?: boolean;
}

/** The last event of a successful push. */
export interface PushedEvent {
  /** Discriminant. */
  type: "pushed";
  /** Where the image went. */
  destination: string;
  /** Digest of the pushed manifest, where the server reports it (Podman 5 streams it). */
  digest?: string;
}

/**
 * What `push()` emits: the server's status lines (Podman 5 streams them; Podman 4.3 says
 * nothing until done), then `pushed`. Push reports no per-layer progress on either version.
 */
export type PushEvent = PullStatusEvent | PushedEvent;

const FORMATS: readonly string[] = ["oci", "v2s1", "v2s2"];

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
  const level = options.compressionLevel;
  if (level !== undefined && typeof level !== "number") {
    throw new TypeError(`${action}: compressionLevel must be a number, got ${typeof level}`);
  }
  if (level !== undefined && (!Number.isInteger(level) || level < 0)) {
    throw new RangeError(`${action}: compressionLevel must be a whole number, got ${level}`);
  }
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
 * checked first (a malformed name, tag or `format` is a `RangeError`, a wrong type or a tag
 * given twice a `TypeError`, before anything is sent); then the server's API version picks the
 * mode: Podman 5 and later stream
 * progress (`quiet=false`), Podman 4 answers once the push is done (`quiet=true`): its streaming
 * mode writes no final line on success (fixed in Podman 5.0), so it never reports the digest.
 * The blocking answer is silent until the push is done, so there `timeout` bounds the whole
 * push.
 *
 * @example
 * ```ts ignore
 * podman.images.push("127.0.0.1:5000/app:1", { tlsVerify: false }).subscribe(console.log);
 * ```
 */
export function pushImage(
  requester: Requester,
  repository: string,
  options: PushOptions = {},
): Observable<PushEvent> {
  return defer(() => pushChecked(requester, repository, options));
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
      const streams = apiAtLeast(await requester.apiVersion(signal), 5);
      return {
        method: "POST",
        path: `/images/${segment(name)}/push`,
        query: {
          destination: options.destination,
          format: options.format,
          tlsVerify: options.tlsVerify,
          compressionFormat: options.compressionFormat,
          compressionLevel: options.compressionLevel,
          all: options.all,
          removeSignatures: options.removeSignatures,
          quiet: !streams,
        },
        headers: auth.headers,
        secrets: auth.secrets,
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
