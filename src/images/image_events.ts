/**
 * The events and results of the image operations, with the {@linkcode Image} model in them:
 * what users see. The operations themselves are written for any model (`...Of<M>`), so they
 * never import the model; the checks at the end keep these forms and theirs the same.
 *
 * @module
 */

import type { Image } from "./image.ts";
import type {
  BuildEventOf,
  BuildLogEvent,
  BuiltEventOf,
} from "./operations/building/build_events.ts";
import type {
  BuiltManifestEventOf,
  PlatformImageOf,
} from "./operations/building/build_manifest.ts";
import type { BuildResultOf } from "./operations/building/build_result.ts";
import type { PulledEventOf, PullEventOf } from "./operations/pull.ts";
import type { LayerProgressEvent, PullStatusEvent } from "../vocabulary/stream_events.ts";

/** The last event of a successful pull: the {@linkcode Image}(s) now stored. */
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

/** What `images.pull()` emits: status lines and layer progress as they arrive, then `pulled`. */
export type PullEvent = PullStatusEvent | LayerProgressEvent | PulledEvent;

/** The last event of a successful build: the {@linkcode Image} built. */
export interface BuiltEvent {
  /** Discriminant. */
  type: "built";
  /** The image built. */
  image: Image;
}

/**
 * One platform's image of a multi-platform build.
 *
 * @example
 * ```ts check-only
 * import { PodmanClient } from "@podrx/podrx";
 *
 * await using podman = new PodmanClient();
 * const { images = [] } = await podman.images.promises.build({
 *   path: "./app",
 *   manifest: "localhost/app:1",
 *   platform: ["linux/amd64", "linux/arm64"],
 * });
 * for (const { platform, digest, image } of images) console.log(platform, digest, image.id);
 * ```
 */
export interface PlatformImage {
  /** The platform, `os/arch[/variant]`, as the list records it. */
  platform: string;
  /** The digest of the image's entry in the list (what `Manifest.remove` takes). */
  digest: string;
  /** The image built for that platform. */
  image: Image;
}

/** The last event of a build into a manifest list: each platform's {@linkcode Image}. */
export interface BuiltManifestEvent {
  /** Discriminant. */
  type: "builtManifest";
  /** The manifest list's name; `podman.manifests.get(name)` gives its model. */
  manifest: string;
  /** Each platform built, in the order asked for (else the list's order). */
  images: PlatformImage[];
}

/**
 * What `images.build()` emits: log lines as the server writes them, then `built`, or
 * `builtManifest` for a build into a manifest list.
 */
export type BuildEvent = BuildLogEvent | BuiltEvent | BuiltManifestEvent;

/**
 * What a build made: the await twin's and a fleet host's result of `images.build()`.
 *
 * @example
 * ```ts check-only
 * import { PodmanClient } from "@podrx/podrx";
 *
 * await using podman = new PodmanClient();
 * const { image, log } = await podman.images.promises.build({ path: "./app", tag: "localhost/app:1" });
 * console.log(image.id, log.length);
 * ```
 */
export interface BuildResult {
  /** The image built; for a multi-platform build, the first platform's. */
  image: Image;
  /** The build's log, line by line. */
  log: string[];
  /** The manifest list's name, for a multi-platform build. */
  manifest?: string;
  /** Each platform's image, for a multi-platform build. */
  images?: PlatformImage[];
}

type Same<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false;
true satisfies Same<PulledEvent, PulledEventOf<Image>>;
true satisfies Same<PullEvent, PullEventOf<Image>>;
true satisfies Same<BuiltEvent, BuiltEventOf<Image>>;
true satisfies Same<PlatformImage, PlatformImageOf<Image>>;
true satisfies Same<BuiltManifestEvent, BuiltManifestEventOf<Image>>;
true satisfies Same<BuildEvent, BuildEventOf<Image>>;
true satisfies Same<BuildResult, BuildResultOf<Image>>;
