import { deferredOperation, type Operation, pickedEvent } from "../../async/operation.ts";
import type { Observable } from "rxjs";
import { apiAtLeast } from "../../client/api_version.ts";
import { jsonStream } from "../../client/json_stream.ts";
import { checkOperationOptions, type OperationOptions } from "../../client/operation.ts";
import { type OptionSince, requireOptionsSince } from "../../client/option_since.ts";
import { APIError, PodmanError } from "../../errors.ts";
import { imageIdStartsWith } from "../../vocabulary/image_id.ts";
import { parsePlatform } from "../../vocabulary/platform.ts";
import { formatReference, repositoryOf, withTag } from "../../vocabulary/reference.ts";
import { requireOneOf } from "../../vocabulary/one_of.ts";
import { type AuthConfig, encodeRegistryAuth } from "../../vocabulary/registry_auth.ts";
import { retryDelayParam, validateRegistryRetry } from "../../vocabulary/registry_retry.ts";
import type { ImagesContext } from "./images_context.ts";
import { storedImageModel } from "./_stored_image_model.ts";
import { type PulledIds, PullStreamReader } from "./_pull_stream.ts";
import type { LayerProgressEvent, PullStatusEvent } from "../../vocabulary/stream_events.ts";

/** Options for {@linkcode ImagesManager.pull}. */
export interface PullOptions extends OperationOptions {
  /** Tag to pull; `latest` when neither this nor the repository names one. */
  tag?: string;
  /**
   * Pull every tag of the repository; the stream then ends with all of them.
   * @default {false}
   */
  allTags?: boolean;
  /**
   * Platform `os[/arch[/variant]]`, e.g. `linux/arm64`; only the parts given are sent (the
   * server picks the rest), as podman-py's `platform="linux"` sends only the OS.
   */
  platform?: string;
  /**
   * `always`, `missing`, `newer` or `never`.
   * @default {"always"}
   */
  policy?: "always" | "missing" | "newer" | "never";
  /**
   * Require HTTPS and verify certificates.
   * @default {true}
   */
  tlsVerify?: boolean;
  /** Credentials for the registry. */
  authConfig?: AuthConfig;
  /**
   * Ask for Docker-style per-layer progress (Podman 4.8 and later). Older servers ignore it
   * and report libpod status lines. Docker-style output names only one image at its end, so
   * an `allTags` pull leaves it off unless it is set; so does a pull with `pullProgress` on,
   * which Podman does not take together with it.
   * @default {true} (`false` with `allTags`, or with `pullProgress` on)
   */
  compatMode?: boolean;
  /**
   * How many times the server retries a failing pull (Podman 5.0 and later); Podman's default
   * (`containers.conf` `retry`, 3) when left out.
   */
  retry?: number;
  /** Milliseconds between those retries (Podman 5.0 and later); Podman's default when left out. */
  retryDelay?: number;
  /**
   * Ask for the bytes of each layer in libpod's own stream (Podman 6.0 and later,
   * `pullProgress`): its status lines, layer events with the bytes done and the layer's size,
   * and the report naming every image pulled. Unset, it is on wherever the server has it and
   * `compatMode` is not `true`. `true` on an older server errors with `PodmanError`, and
   * together with `compatMode: true` with `TypeError`, before anything is sent; `false` pulls
   * as before Podman 6 (`compatMode` then defaults as without it).
   * @default {true on Podman 6.0 and later unless compatMode is true; false before}
   */
  pullProgress?: boolean;
}

/** The last event of a successful pull: the image(s) now stored, as models `M` (`Image`). */
export interface PulledEventOf<M> {
  /** Discriminant. */
  type: "pulled";
  /** The pulled image (the first one with `allTags`). */
  image: M;
  /**
   * Every image pulled: one, or with `allTags` one per distinct image (two tags of the same
   * image give one entry; its `tags` name both).
   */
  images: M[];
}

/** What `pull()` emits: status lines and layer progress as they arrive, then `pulled`. */
export type PullEventOf<M> = PullStatusEvent | LayerProgressEvent | PulledEventOf<M>;

const POLICIES: readonly string[] = ["always", "missing", "newer", "never"];

/** The options Podman's pull handler reads only from some version on (images_pull.go). */
const SINCE: readonly OptionSince<PullOptions>[] = [["retry", 5, 0], ["retryDelay", 5, 0]];

/** The reference to send: `repository` with the tag (default `latest`), or bare for `allTags`. */
function pullReference(repository: string, options: PullOptions): string {
  const action = `Cannot pull image "${repository}"`;
  const parsed = withTag(repository, options.tag, action);
  if (options.allTags) {
    if (parsed.tag !== undefined || parsed.digest !== undefined) {
      throw new TypeError(`${action}: allTags pulls every tag, so name no tag or digest`);
    }
    return repositoryOf(parsed);
  }
  if (parsed.digest !== undefined) return formatReference(parsed);
  return formatReference({ ...parsed, tag: parsed.tag ?? "latest" });
}

/** `os[/arch[/variant]]` as the `OS`, `Arch` and `Variant` parameters: only the parts given. */
function platformQuery(platform: string | undefined, action: string): Record<string, string> {
  if (platform === undefined) return {};
  const { os, architecture, variant } = parsePlatform(platform, action);
  return {
    OS: os,
    ...(architecture === undefined ? {} : { Arch: architecture }),
    ...(variant === undefined ? {} : { Variant: variant }),
  };
}

/** The server version whose pull takes `pullProgress` (Podman 6.0). */
const PULL_PROGRESS_SINCE = [6, 0] as const;

/**
 * Which of the server's progress modes to ask for, given the API version the client speaks:
 * `pullProgress` where the server has it unless the caller chose otherwise, and then no
 * `compatMode` (Podman refuses the pair).
 */
function progressModes(
  options: PullOptions,
  apiVersion: string,
  action: string,
): { compatMode: boolean; pullProgress: true | undefined } {
  const [major, minor] = PULL_PROGRESS_SINCE;
  const serverHas = apiAtLeast(apiVersion, major, minor);
  if (options.pullProgress === true && !serverHas) {
    throw new PodmanError(
      `${action}: pullProgress needs Podman ${major}.${minor} or later; the server runs ${apiVersion}`,
    );
  }
  if (options.pullProgress ?? (serverHas && options.compatMode !== true)) {
    return { compatMode: false, pullProgress: true };
  }
  // Docker-style lines (Podman 4.8+) end with one image id, so an allTags pull asks for the
  // libpod report, which lists every image, unless the caller chose otherwise.
  return { compatMode: options.compatMode ?? !options.allTags, pullProgress: undefined };
}

/**
 * Inspects what the stream named, by the id or prefix as the server wrote it; a prefix must
 * really start the id of the image found (the server could have read it as a name).
 */
async function inspectPulled<M extends { readonly id: string }>(
  context: ImagesContext<M>,
  found: Exclude<PulledIds, { kind: "none" }>,
  action: string,
  signal: AbortSignal,
  named: string | undefined,
): Promise<M[]> {
  if (found.kind === "prefix") {
    const image = await storedImageModel(context, found.prefix, signal, undefined, named);
    if (!imageIdStartsWith(image.id, found.prefix)) {
      throw noImageError(action, `"${found.prefix}" is not the id of the pulled image`);
    }
    return [image];
  }
  const images: M[] = [];
  // One image is named as pulled; each of several (allTags) by its own first tag.
  const one = found.ids.length === 1 ? named : undefined;
  for (const id of found.ids) {
    images.push(await storedImageModel(context, id, signal, undefined, one));
  }
  return images;
}

function noImageError(action: string, why: string): APIError {
  return new APIError(action, {
    status: 200,
    method: "POST",
    path: "/libpod/images/pull",
    explanation: why,
    inStream: true,
  });
}

/**
 * `POST /libpod/images/pull`, streamed, then an inspect of what the stream named. Arguments
 * are checked on subscribe, before the request is sent.
 *
 * @returns A cold Observable of status lines and layer progress as the server sends them,
 * ending with a `pulled` event holding the model(s). Layer events carry bytes on Podman 4.8
 * and later (Docker-style lines) and on 6.0 and later (`pullProgress`, the default there). An
 * error reported inside the stream errors it with `APIError`; a failed pull never ends with an
 * empty image. A malformed reference, tag, platform or `policy` errors it with `RangeError`, a
 * tag given twice, an argument of the wrong type or `pullProgress` with `compatMode` with
 * `TypeError`; an option the server's version does not read (`retry` before Podman 5.0,
 * `pullProgress: true` before 6.0) with `PodmanError`, before the pull is sent.
 */
export function pullImage<M extends { readonly id: string }>(
  context: ImagesContext<M>,
  repository: string,
  options: PullOptions = {},
): Operation<PullEventOf<M>, M | M[]> {
  return deferredOperation(
    () => pullAction(repository, options),
    () => pullChecked(context, repository, options),
    pickedEvent((event) => {
      if (event.type !== "pulled") return undefined;
      // The options are checked on subscribe; the result only reads them.
      return (options as PullOptions | null)?.allTags ? event.images : event.images[0];
    }),
  );
}

/** What a pull's errors start with, named by the reference it pulls when that can be read. */
function pullAction(repository: string, options: PullOptions): string {
  try {
    return `Cannot pull image "${pullReference(repository, options)}"`;
  } catch {
    return `Cannot pull image "${String(repository)}"`;
  }
}

function pullChecked<M extends { readonly id: string }>(
  context: ImagesContext<M>,
  repository: string,
  options: PullOptions,
): Observable<PullEventOf<M>> {
  checkOperationOptions(options, `Cannot pull image "${String(repository)}"`);
  const reference = pullReference(repository, options);
  const action = `Cannot pull image "${reference}"`;
  requireOneOf(options.policy, POLICIES, "policy", action);
  validateRegistryRetry(options, action);
  const platform = platformQuery(options.platform, action);
  const auth = encodeRegistryAuth(options.authConfig, reference);
  if (options.pullProgress === true && options.compatMode === true) {
    throw new TypeError(
      `${action}: pullProgress and compatMode cannot both be on; Podman takes one or the other`,
    );
  }
  return jsonStream<PullEventOf<M>>(
    context.requester,
    action,
    options,
    async (signal) => {
      const apiVersion = await context.requester.apiVersion(signal);
      requireOptionsSince(options, SINCE, apiVersion, action);
      const modes = progressModes(options, apiVersion, action);
      return {
        method: "POST",
        path: "/images/pull",
        query: {
          reference,
          policy: options.policy,
          tlsVerify: options.tlsVerify,
          compatMode: modes.compatMode,
          pullProgress: modes.pullProgress,
          allTags: options.allTags ? true : undefined,
          retry: options.retry,
          // Podman's pull handler spells it in lower case (its push handler does not).
          retrydelay: retryDelayParam(options.retryDelay),
          ...platform,
        },
        headers: auth.headers,
        secrets: auth.secrets,
        credentials: { reference },
        action,
      };
    },
    () => {
      // Each subscription reads its own stream.
      const reader = new PullStreamReader();
      return {
        onValue(value, { emit }) {
          reader.read(value, emit);
        },
        async onEnd({ emit, signal, alive }) {
          const found = reader.end();
          if (found.kind === "none") {
            throw noImageError(action, "the server ended the pull without naming an image");
          }
          alive();
          const named = options.allTags ? undefined : reference;
          const images = await inspectPulled(context, found, action, signal, named);
          emit({ type: "pulled", image: images[0]!, images });
        },
      };
    },
  );
}
