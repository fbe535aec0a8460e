import type { Operation } from "../async/operation.ts";
import { type AwaitTwins, awaitTwins } from "../async/twins.ts";
import type { Image } from "./image.ts";
import type { PullEvent } from "./image_events.ts";
import type { ImagesContext } from "./operations/images_context.ts";
import { pullImage, type PullOptions } from "./operations/pull.ts";
import type { RegistryAnswer, RegistryDataSource } from "./operations/read_registry_data.ts";
import { parsePlatform, type Platform } from "../vocabulary/platform.ts";

/**
 * What an image's registry says of it, read from the registry itself over the Registry HTTP
 * API v2 by this process (see {@linkcode ImagesManager.getRegistryData}): the registry's
 * digest of the manifest (`id`), its media type, and the platforms it is published for, from
 * the entries of a manifest list (OCI index or Docker list) or from a single image's config.
 * `attrs` has the shape of Docker's `GET /distribution/{name}/json` answer
 * (`Descriptor`, `Platforms`), which docker-py's `RegistryData` reads too.
 *
 * @example Checking a platform before pulling
 * ```ts check-only
 * import { PodmanClient } from "@podrx/podrx";
 * import { lastValueFrom } from "rxjs";
 *
 * await using podman = new PodmanClient();
 * const data = await lastValueFrom(podman.images.getRegistryData("127.0.0.1:5000/app:1"));
 * if (data.hasPlatform("linux/arm64")) {
 *   await lastValueFrom(data.pull({ platform: "linux/arm64", tlsVerify: false }));
 * }
 * ```
 */
export class RegistryData {
  /** The image name it describes. */
  readonly imageName: string;
  /** Where the answer came from: always `"registry"`, the registry itself. */
  readonly source: RegistryDataSource;
  /** The registry's digest of the manifest the name points to (`Docker-Content-Digest`). */
  readonly id: string;
  /**
   * The manifest's media type: `application/vnd.oci.image.index.v1+json` or
   * `application/vnd.docker.distribution.manifest.list.v2+json` for a list, the OCI or
   * Docker v2 manifest type for a single image.
   */
  readonly mediaType: string;
  /** The platforms the image is published for, as the registry names them. */
  readonly platforms: readonly Platform[];
  /** The URL the manifest was read from (never with credentials). */
  readonly url: string;
  /** The manifest as the registry sent it, parsed. */
  readonly manifest: Readonly<Record<string, unknown>>;
  /** Docker's distribution-inspect shape: `{ Descriptor: { mediaType, digest, size }, Platforms }`. */
  readonly attrs: Record<string, unknown>;
  readonly #context: ImagesContext<Image>;
  #promises: AwaitTwins<RegistryData> | undefined;

  /**
   * Wraps what the registry answered; made by `ImagesManager.getRegistryData`.
   *
   * @ignore
   */
  constructor(imageName: string, answer: RegistryAnswer, context: ImagesContext<Image>) {
    this.imageName = imageName;
    this.source = answer.source;
    this.id = answer.digest;
    this.mediaType = answer.mediaType;
    this.platforms = answer.platforms;
    this.url = answer.url;
    this.manifest = answer.manifest;
    this.attrs = {
      Descriptor: { mediaType: answer.mediaType, digest: answer.digest, size: answer.size },
      Platforms: answer.platforms,
    };
    this.#context = context;
  }

  /** True when the name points to a manifest list (an OCI index or a Docker manifest list). */
  get isList(): boolean {
    return Array.isArray(this.manifest.manifests);
  }

  /**
   * `pull()` as a promise.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = new PodmanClient();
   * const data = await podman.images.promises.getRegistryData("127.0.0.1:5000/app:1");
   * const image = await data.promises.pull({ tlsVerify: false });
   * console.log(`pulled ${image.id}, listed in the registry as ${data.id}`);
   * ```
   */
  get promises(): AwaitTwins<RegistryData> {
    return (this.#promises ??= awaitTwins<RegistryData>(this));
  }

  /**
   * Tells whether the image is published for a platform.
   *
   * @param platform `os[/arch[/variant]]` or an object; a part left out matches any
   * (`"linux"` is true when any platform has that OS).
   * @throws {RangeError} When the platform string is not `os[/arch[/variant]]`.
   * @throws {TypeError} When it is neither a string nor a platform object.
   *
   * @example A list as a registry describes it, checked without a server
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
   *   url: "https://example.com/v2/app/manifests/1",
   *   digest: "sha256:" + "0".repeat(64),
   *   mediaType: "application/vnd.oci.image.index.v1+json",
   *   size: 312,
   *   platforms: manifests.map((entry) => entry.platform),
   *   manifest: { schemaVersion: 2, manifests },
   * }, { requester: podman, toImage: (attrs) => podman.images.prepareModel(attrs) });
   * assert.equal(data.hasPlatform("linux/amd64"), true);
   * assert.equal(data.hasPlatform({ os: "linux", architecture: "arm", variant: "v7" }), true);
   * assert.equal(data.hasPlatform("linux/arm64"), false);
   * assert.equal(data.hasPlatform("linux"), true);
   * assert.equal(data.hasPlatform("windows"), false);
   * await podman.close();
   * ```
   */
  hasPlatform(platform: string | Platform): boolean {
    const wanted = parsePlatform(platform, `Cannot compare platforms of "${this.imageName}"`);
    return this.platforms.some((candidate) =>
      candidate.os === wanted.os &&
      (wanted.architecture === undefined || candidate.architecture === wanted.architecture) &&
      (wanted.variant === undefined || candidate.variant === wanted.variant)
    );
  }

  /**
   * Pulls every tag of the repository this data describes (`allTags`).
   *
   * @returns The same cold Observable as `images.pull(imageName, options)`; it errors with
   * `TypeError` on subscribe when `options.tag` is given and the name already carries a tag.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   * import { lastValueFrom } from "rxjs";
   *
   * await using podman = new PodmanClient();
   * const data = await lastValueFrom(podman.images.getRegistryData("127.0.0.1:5000/app:1"));
   * await lastValueFrom(data.pull({ tlsVerify: false }));
   * ```
   */
  pull(options: PullOptions & { allTags: true }): Operation<PullEvent, Image[]>;
  /** Pulls the image this data describes; the await twin resolves to the image. */
  pull(options?: PullOptions): Operation<PullEvent, Image>;
  pull(options?: PullOptions): Operation<PullEvent, Image | Image[]> {
    return pullImage(this.#context, this.imageName, options);
  }
}
