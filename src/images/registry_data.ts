import type { Observable } from "rxjs";
import type { AwaitOptions } from "../async/await_options.ts";
import type { TwinsOf } from "../async/twins.ts";
import { awaitPull } from "./await_pull.ts";
import type { Image } from "./image.ts";
import type { PullEvent } from "./image_events.ts";
import type { ImagesContext } from "./operations/images_context.ts";
import { pullImage, type PullOptions } from "./operations/pull.ts";
import type { RegistryAnswer, RegistryDataSource } from "./operations/read_registry_data.ts";
import { parsePlatform, type Platform } from "./params/platform.ts";

interface ManifestEntry {
  digest?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/**
 * What a registry knows of an image: its manifest list when the registry was asked and named
 * the platforms (`source: "registry"`), or the local image's attributes otherwise
 * (`source: "local"`, as podman-py always does). Podman describes only manifest lists this
 * way; for a single image it fails (OCI manifests) or answers without platforms (Docker v2
 * manifests), so single images come from the local store.
 *
 * @example Checking a platform before pulling
 * ```ts ignore
 * const data = await lastValueFrom(podman.images.getRegistryData("127.0.0.1:5000/app:1"));
 * if (data.hasPlatform("linux/arm64")) await lastValueFrom(data.pull({ platform: "linux/arm64" }));
 * ```
 */
export class RegistryData {
  /** The image name it describes. */
  readonly imageName: string;
  /** Whether the registry answered or the local image stood in. */
  readonly source: RegistryDataSource;
  /** The manifest (registry) or inspect document (local). */
  readonly attrs: Record<string, unknown>;
  readonly #context: ImagesContext<Image>;
  #promises: AwaitableRegistryData | undefined;

  /** Wraps what the server returned; made by `ImagesManager.getRegistryData`. */
  constructor(imageName: string, answer: RegistryAnswer, context: ImagesContext<Image>) {
    this.imageName = imageName;
    this.source = answer.source;
    this.attrs = answer.attrs;
    this.#context = context;
  }

  /**
   * `pull()` as a promise.
   *
   * @example
   * ```ts ignore
   * const image = await data.promises.pull({ tlsVerify: false });
   * ```
   */
  get promises(): AwaitableRegistryData {
    return (this.#promises ??= {
      pull: (options = {}) => awaitPull(this.pull(options), options),
    });
  }

  /**
   * The local image's id (`source: "local"`). A registry answer has none: Podman re-encodes
   * the list it read and does not report the registry's digest of it, so `undefined`.
   */
  get id(): string | undefined {
    const id = this.source === "local" ? this.attrs.Id : this.attrs.digest;
    return typeof id === "string" ? id : undefined;
  }

  /** The platforms the image is published for. */
  get platforms(): Platform[] {
    const manifests = this.attrs.manifests;
    if (Array.isArray(manifests)) {
      return (manifests as ManifestEntry[]).flatMap((entry) => {
        const { os, architecture, variant } = entry.platform ?? {};
        if (!os || !architecture) return [];
        return [variant ? { os, architecture, variant } : { os, architecture }];
      });
    }
    const os = this.attrs.Os ?? this.attrs.os;
    const architecture = this.attrs.Architecture ?? this.attrs.architecture;
    if (typeof os === "string" && typeof architecture === "string") {
      const variant = this.attrs.Variant ?? this.attrs.variant;
      return [
        typeof variant === "string" && variant
          ? { os, architecture, variant }
          : { os, architecture },
      ];
    }
    return [];
  }

  /**
   * Tells whether the image is published for a platform.
   *
   * @param platform `os/arch[/variant]` or an object; a variant is only compared when given.
   * @throws {RangeError} When the platform string is not `os/arch[/variant]`.
   * @throws {TypeError} When it is neither a string nor a platform object.
   *
   * @example A list read from a registry, checked without a server
   * ```ts
   * import { PodmanClient, RegistryData } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * const podman = new PodmanClient({ baseUrl: "unix:///run/podman/podman.sock" });
   * const manifests = [
   *   { digest: "sha256:1", platform: { os: "linux", architecture: "amd64" } },
   *   { digest: "sha256:2", platform: { os: "linux", architecture: "arm", variant: "v7" } },
   * ];
   * const data = new RegistryData("example.com/app:1", {
   *   source: "registry",
   *   attrs: { manifests },
   * }, { requester: podman, toImage: (attrs) => podman.images.prepareModel(attrs) });
   * assert.equal(data.hasPlatform("linux/amd64"), true);
   * assert.equal(data.hasPlatform({ os: "linux", architecture: "arm", variant: "v7" }), true);
   * assert.equal(data.hasPlatform("linux/arm64"), false);
   * await podman.close();
   * ```
   */
  hasPlatform(platform: string | Platform): boolean {
    const wanted = parsePlatform(platform, `Cannot compare platforms of "${this.imageName}"`);
    return this.platforms.some((candidate) =>
      candidate.os === wanted.os && candidate.architecture === wanted.architecture &&
      (wanted.variant === undefined || candidate.variant === wanted.variant)
    );
  }

  /**
   * Pulls the image this data describes, by its name (with its tag or digest).
   *
   * @returns The same cold Observable as `images.pull(imageName, options)`; it errors with
   * `TypeError` on subscribe when `options.tag` is given and the name already carries a tag.
   *
   * @example
   * ```ts ignore
   * const data = await lastValueFrom(podman.images.getRegistryData("127.0.0.1:5000/app:1"));
   * await lastValueFrom(data.pull({ tlsVerify: false }));
   * ```
   */
  pull(options?: PullOptions): Observable<PullEvent> {
    return pullImage(this.#context, this.imageName, options);
  }
}

/** The await-style twin of {@linkcode RegistryData}'s Observable method (`data.promises`). */
export interface AwaitableRegistryData {
  /** `pull()` as a promise of the pulled image (every image with `allTags`). */
  pull(options?: PullOptions & AwaitOptions<PullEvent>): Promise<Image | Image[]>;
}

true satisfies TwinsOf<RegistryData, AwaitableRegistryData>;
