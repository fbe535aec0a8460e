import type { Observable } from "rxjs";
import { jsonStream } from "../client/json_stream.ts";
import type { OperationOptions } from "../client/operation.ts";
import { APIError, PodmanError } from "../errors.ts";
import type { Image } from "./image.ts";
import type { ImagesManager } from "./images_manager.ts";
import { type PulledIds, PullStreamReader } from "./_pull_stream.ts";
import { formatReference, parseReference, repositoryOf, validateTag } from "./reference.ts";
import { type AuthConfig, encodeRegistryAuth } from "./registry_auth.ts";

/** Options for {@linkcode ImagesManager.pull}. */
export interface PullOptions extends OperationOptions {
  /** Tag to pull; `latest` when neither this nor the repository names one. */
  tag?: string;
  /**
   * Pull every tag of the repository; the stream then ends with all of them.
   * @default {false}
   */
  allTags?: boolean;
  /** Platform `os[/arch[/variant]]`, e.g. `linux/arm64`. */
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
   * an `allTags` pull leaves it off unless it is set.
   * @default {true} (`false` with `allTags`)
   */
  compatMode?: boolean;
}

/** A status line of a pull (libpod `stream` lines, or Docker-style lines without a layer). */
export interface PullStatusEvent {
  /** Discriminant. */
  type: "status";
  /** The line, without its trailing newline. */
  message: string;
}

/** Progress of one layer (Docker-style lines; Podman 4.8 and later with `compatMode`). */
export interface LayerProgressEvent {
  /** Discriminant. */
  type: "progress";
  /** Short id of the layer. */
  id: string;
  /** `Pulling fs layer`, `Downloading`, `Download complete`, `Already exists`, `Pushing`, ... */
  status: string;
  /** Bytes done, when the server says. */
  current?: number;
  /** Bytes in all, when the server says. */
  total?: number;
}

/** The last event of a successful pull: the image(s) now stored. */
export interface PulledEvent {
  /** Discriminant. */
  type: "pulled";
  /** The pulled image (the first one with `allTags`). */
  image: Image;
  /**
   * Every image pulled: one, or with `allTags` one per distinct image (two tags of the same
   * image give one entry; its `tags` name both).
   */
  images: Image[];
}

/** What `pull()` emits: status lines and layer progress as they arrive, then `pulled`. */
export type PullEvent = PullStatusEvent | LayerProgressEvent | PulledEvent;

const POLICIES: readonly string[] = ["always", "missing", "newer", "never"];

/** The reference to send: `repository` with the tag (default `latest`), or bare for `allTags`. */
function pullReference(repository: string, options: PullOptions): string {
  const parsed = parseReference(repository);
  const action = `Cannot pull image "${repository}"`;
  if (options.tag !== undefined) {
    validateTag(options.tag, action);
    if (parsed.tag !== undefined || parsed.digest !== undefined) {
      throw new TypeError(
        `${action}: the reference already names a ${parsed.digest ? "digest" : "tag"}; ` +
          `do not pass tag "${options.tag}" too`,
      );
    }
  }
  if (options.allTags) {
    if (parsed.tag !== undefined || parsed.digest !== undefined || options.tag !== undefined) {
      throw new TypeError(`${action}: allTags pulls every tag, so name no tag or digest`);
    }
    return repositoryOf(parsed);
  }
  if (parsed.digest !== undefined) return formatReference(parsed);
  return formatReference({ ...parsed, tag: options.tag ?? parsed.tag ?? "latest" });
}

/** `os[/arch[/variant]]` as the `OS`, `Arch` and `Variant` parameters. */
function platformQuery(platform: string | undefined, action: string): Record<string, string> {
  if (platform === undefined) return {};
  const parts = typeof platform === "string" ? platform.split("/") : [];
  if (parts.length < 1 || parts.length > 3 || parts.some((part) => part.trim() === "")) {
    throw new TypeError(`${action}: platform "${platform}" is not os[/arch[/variant]]`);
  }
  const [os, arch, variant] = parts as [string, string?, string?];
  return {
    OS: os,
    ...(arch === undefined ? {} : { Arch: arch }),
    ...(variant === undefined ? {} : { Variant: variant }),
  };
}

/** Waits for the last value of `source`; an abort unsubscribes it and rejects with the reason. */
function untilAborted<T>(source: Observable<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let last: { value: T } | undefined;
    const onAbort = (): void => {
      subscription.unsubscribe();
      reject(signal.reason);
    };
    const subscription = source.subscribe({
      next: (value) => (last = { value }),
      error: (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
      complete: () => {
        signal.removeEventListener("abort", onAbort);
        if (last) resolve(last.value);
        else reject(new PodmanError("Cannot inspect the pulled image: no answer"));
      },
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Inspects what the stream named; a prefix must really be the start of the image's id. */
async function inspectPulled(
  manager: ImagesManager,
  found: Exclude<PulledIds, { kind: "none" }>,
  action: string,
  signal: AbortSignal,
): Promise<Image[]> {
  if (found.kind === "prefix") {
    const image = await untilAborted(manager.get(found.prefix), signal);
    if (!image.id.startsWith(found.prefix)) {
      throw noImageError(action, `"${found.prefix}" is not the id of the pulled image`);
    }
    return [image];
  }
  const images: Image[] = [];
  for (const id of found.ids) images.push(await untilAborted(manager.get(id), signal));
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
 * `ImagesManager.pull`: `POST /libpod/images/pull`, streamed. Arguments are checked here, at
 * call time; the request is sent on subscribe.
 */
export function pullImage(
  manager: ImagesManager,
  repository: string,
  options: PullOptions = {},
): Observable<PullEvent> {
  const reference = pullReference(repository, options);
  const action = `Cannot pull image "${reference}"`;
  if (options.policy !== undefined && !POLICIES.includes(options.policy)) {
    throw new RangeError(
      `${action}: policy must be one of ${POLICIES.join(", ")}, got "${options.policy}"`,
    );
  }
  const platform = platformQuery(options.platform, action);
  const auth = encodeRegistryAuth(options.authConfig);
  // Docker-style lines (Podman 4.8+) end with one image id, so an allTags pull asks for the
  // libpod report, which lists every image, unless the caller chose otherwise.
  const compatMode = options.compatMode ?? !options.allTags;
  return jsonStream<PullEvent>(
    manager.client,
    action,
    options,
    () => ({
      method: "POST",
      path: "/images/pull",
      query: {
        reference,
        policy: options.policy,
        tlsVerify: options.tlsVerify,
        compatMode,
        allTags: options.allTags ? true : undefined,
        ...platform,
      },
      headers: auth.headers,
      secrets: auth.secrets,
      action,
    }),
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
          const images = await inspectPulled(manager, found, action, signal);
          emit({ type: "pulled", image: images[0]!, images });
        },
      };
    },
  );
}
