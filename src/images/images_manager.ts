import { map, type Observable } from "rxjs";
import type { OperationOptions } from "../client/operation.ts";
import type { Requester } from "../client/requester.ts";
import { Image } from "./image.ts";
import type { BuildEvent, PullEvent } from "./image_events.ts";
import { buildImage } from "./operations/building/build.ts";
import type { BuildOptions } from "./operations/building/build_options.ts";
import { imageExists } from "./operations/exists.ts";
import { getImage } from "./operations/get.ts";
import type { ImagesContext } from "./operations/images_context.ts";
import { listImages, type ListOptions } from "./operations/list.ts";
import { loadImages, type LoadOptions, type LoadSource } from "./operations/load.ts";
import { pruneImages, type PruneOptions } from "./operations/prune.ts";
import { pruneBuildCache } from "./operations/prune_builds.ts";
import { pullImage, type PullOptions } from "./operations/pull.ts";
import { type PushEvent, pushImage, type PushOptions } from "./operations/push.ts";
import { readRegistryData, type RegistryDataOptions } from "./operations/read_registry_data.ts";
import { removeImage, type RemoveOptions } from "./operations/remove.ts";
import type {
  ImageAttrs,
  PruneBuildsReport,
  PruneReport,
  RemoveReport,
  SearchResult,
} from "../vocabulary/reports.ts";
import { scpImage, type ScpOptions, type ScpReport } from "./operations/scp.ts";
import { searchImages, type SearchOptions } from "./operations/search.ts";
import { RegistryData } from "./registry_data.ts";

/**
 * The image operations of one Podman service, named after podman-py's `ImagesManager`: each
 * method binds one operation (`src/images/operations/`) to this service and to the
 * {@linkcode Image} model, and returns a cold Observable: nothing is sent until subscribe,
 * each subscription sends its own request, and unsubscribing aborts it.
 *
 * @example Listing dangling images
 * ```ts ignore
 * import { PodmanClient } from "@podrx/podrx";
 * import { lastValueFrom } from "rxjs";
 *
 * await using podman = new PodmanClient();
 * const images = await lastValueFrom(podman.images.list({ filters: { dangling: true } }));
 * console.log(images.map((image) => image.shortId));
 * ```
 */
export class ImagesManager {
  /** The client whose service this manager talks to. */
  readonly client: Requester;
  readonly #context: ImagesContext<Image>;

  /** Creates the manager; `PodmanClient` makes one as `client.images`. */
  constructor(client: Requester) {
    this.client = client;
    const context: ImagesContext<Image> = {
      requester: client,
      toImage: (attrs, name) => new Image(attrs, context, name),
    };
    this.#context = context;
  }

  /** The model class made by {@linkcode ImagesManager.prepareModel}. */
  get resource(): typeof Image {
    return Image;
  }

  /**
   * Makes an {@linkcode Image} from raw inspect or list attributes (or re-binds an Image to
   * this manager).
   *
   * @throws {TypeError} When the attributes have no `Id`.
   *
   * @example
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * const podman = new PodmanClient({ baseUrl: "unix:///run/podman/podman.sock" });
   * const image = podman.images.prepareModel({ Id: "a".repeat(64), RepoTags: ["x:1"] });
   * assert.deepEqual(image.tags, ["x:1"]);
   * await podman.close();
   * ```
   */
  prepareModel(attrs: ImageAttrs | Image): Image {
    return attrs instanceof Image
      ? this.#context.toImage(attrs.attrs, attrs.name)
      : this.#context.toImage(attrs);
  }

  /** Inspects an image by name or id; errors with `ImageNotFound` when there is none. */
  get(name: string, options?: OperationOptions): Observable<Image> {
    return getImage(this.#context, name, options);
  }

  /** Tells whether an image exists locally: `true` or `false`, any other answer an error. */
  exists(name: string, options?: OperationOptions): Observable<boolean> {
    return imageExists(this.client, name, options);
  }

  /** Lists local images, as one array. */
  list(options?: ListOptions): Observable<Image[]> {
    return listImages(this.#context, options);
  }

  /** Removes an image, given as an {@linkcode Image} or a name or id. */
  remove(image: Image | string, options?: RemoveOptions): Observable<RemoveReport> {
    return removeImage(this.client, image, options);
  }

  /** Removes unused images: dangling ones, or every unused one with `all`. */
  prune(options?: PruneOptions): Observable<PruneReport> {
    return pruneImages(this.client, options);
  }

  /** Removes the build cache where the server has one (Podman 5.3 and later). */
  pruneBuilds(options?: OperationOptions): Observable<PruneBuildsReport> {
    return pruneBuildCache(this.client, options);
  }

  /** Searches registries for images, or lists a repository's tags with `listTags`. */
  search(term: string, options?: SearchOptions): Observable<SearchResult[]> {
    return searchImages(this.client, term, options);
  }

  /** Reads what the image's registry says of it: its digest and platforms, from the registry. */
  getRegistryData(name: string, options?: RegistryDataOptions): Observable<RegistryData> {
    return readRegistryData(this.client, name, options).pipe(
      map((answer) => new RegistryData(name, answer, this.#context)),
    );
  }

  /** Pulls an image: status and layer progress live, then `pulled` with the image(s). */
  pull(repository: string, options?: PullOptions): Observable<PullEvent> {
    return pullImage(this.#context, repository, options);
  }

  /**
   * Pushes an image: the server's progress (Podman 5 streams it), then `pushed`; with
   * `allTags`, every local tag of the repository in turn.
   */
  push(repository: string, options?: PushOptions): Observable<PushEvent> {
    return pushImage(this.client, repository, options);
  }

  /** Builds an image: log lines live, then `built` with the image. */
  build(options: BuildOptions): Observable<BuildEvent> {
    return buildImage(this.#context, options);
  }

  /**
   * Loads the images of an archive (path, bytes, Blob or stream), one by one; a file the
   * service sees at the same path is read in place (see `via`).
   */
  load(source: LoadSource, options?: LoadOptions): Observable<Image> {
    return loadImages(this.#context, source, options);
  }

  /** Copies an image to another host with `podman image scp` on the server. */
  scp(source: string, options?: ScpOptions): Observable<ScpReport> {
    return scpImage(this.client, source, options);
  }
}
