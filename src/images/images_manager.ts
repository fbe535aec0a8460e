import { lastEvent, type Operation, operationOf } from "../async/operation.ts";
import { map } from "rxjs";
import { type AwaitTwins, awaitTwins } from "../async/twins.ts";
import type { OperationOptions } from "../client/operation.ts";
import type { LibpodClient } from "../client/libpod_client.ts";
import { Image } from "./image.ts";
import type { BuildEvent, BuildResult, PullEvent } from "./image_events.ts";
import { buildImage } from "./operations/building/build.ts";
import type { BuildOptions } from "./operations/building/build_options.ts";
import { imageExists } from "./operations/exists.ts";
import { getImage } from "./operations/get.ts";
import type { ImagesContext } from "./operations/images_context.ts";
import { listImages, type ListOptions } from "./operations/list.ts";
import { loadImages } from "./operations/load.ts";
import type { LoadOptions, LoadSource } from "./operations/load_options.ts";
import { pruneImages, type PruneOptions } from "./operations/prune.ts";
import { pruneBuildCache } from "./operations/prune_builds.ts";
import { pullImage, type PullOptions } from "./operations/pull.ts";
import { pushImage } from "./operations/push.ts";
import type { PushedEvent, PushEvent } from "./operations/push_events.ts";
import type { PushOptions } from "./operations/push_options.ts";
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
 * ```ts
 * import { PodmanClient } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 * import { lastValueFrom } from "rxjs";
 *
 * // Records the filters sent, and answers with one untagged image as Podman 5 lists it.
 * const sent: URL[] = [];
 * const dangling = { Id: "d".repeat(64), RepoTags: null, Size: 4_261_000, Created: 1700000000 };
 * await using podman = new PodmanClient({
 *   transport: {
 *     origin: "http://libpod",
 *     description: "a fake Podman",
 *     fetch: async (url) => {
 *       sent.push(new URL(url));
 *       return Response.json([dangling], { headers: { "Libpod-API-Version": "5.4.0" } });
 *     },
 *     close: () => {},
 *   },
 * });
 * const images = await lastValueFrom(podman.images.list({ filters: { dangling: true } }));
 * assert.deepEqual(images.map((image) => image.shortId), ["dddddddddd"]);
 * assert.equal(sent.at(-1)?.searchParams.get("filters"), '{"dangling":["true"]}');
 * ```
 */
export class ImagesManager {
  /** The client whose service this manager talks to. */
  readonly client: LibpodClient;
  readonly #context: ImagesContext<Image>;
  #promises: AwaitTwins<ImagesManager> | undefined;

  /**
   * Creates the manager; `PodmanClient` makes one as `client.images`.
   *
   * @ignore
   */
  constructor(client: LibpodClient) {
    this.client = client;
    const context: ImagesContext<Image> = {
      requester: client,
      toImage: (attrs, name) => new Image(attrs, context, name),
    };
    this.#context = context;
  }

  /**
   * The same operations as promises, for scripts that want the answer rather than the stream:
   * each takes the same arguments, with `onProgress` among the options to see the events, and
   * resolves to the operation's result.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = new PodmanClient();
   * const image = await podman.images.promises.pull("quay.io/podman/hello", {
   *   onProgress: (event) => event.type === "status" && console.log(event.message),
   * });
   * console.log(image.id);
   * ```
   */
  get promises(): AwaitTwins<ImagesManager> {
    return (this.#promises ??= awaitTwins<ImagesManager>(this));
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
  get(name: string, options?: OperationOptions): Operation<Image> {
    return getImage(this.#context, name, options);
  }

  /** Tells whether an image exists locally: `true` or `false`, any other answer an error. */
  exists(name: string, options?: OperationOptions): Operation<boolean> {
    return imageExists(this.client, name, options);
  }

  /** Lists local images, as one array. */
  list(options?: ListOptions): Operation<Image[]> {
    return listImages(this.#context, options);
  }

  /** Removes an image, given as an {@linkcode Image} or a name or id. */
  remove(image: Image | string, options?: RemoveOptions): Operation<RemoveReport> {
    return removeImage(this.client, image, options);
  }

  /** Removes unused images: dangling ones, or every unused one with `all`. */
  prune(options?: PruneOptions): Operation<PruneReport> {
    return pruneImages(this.client, options);
  }

  /** Removes the build cache where the server has one (Podman 5.3 and later). */
  pruneBuilds(options?: OperationOptions): Operation<PruneBuildsReport> {
    return pruneBuildCache(this.client, options);
  }

  /** Searches registries for images, or lists a repository's tags with `listTags`. */
  search(term: string, options?: SearchOptions): Operation<SearchResult[]> {
    return searchImages(this.client, term, options);
  }

  /** Reads what the image's registry says of it: its digest and platforms, from the registry. */
  getRegistryData(name: string, options?: RegistryDataOptions): Operation<RegistryData> {
    const answers = readRegistryData(this.client, name, options);
    return operationOf(
      () => answers.action,
      answers.pipe(map((answer) => new RegistryData(name, answer, this.#context))),
      lastEvent<RegistryData>,
    );
  }

  /**
   * Pulls every tag of a repository (`allTags`): status and layer progress live, then
   * `pulled` with the images; the await twin resolves to them all.
   */
  pull(
    repository: string,
    options: PullOptions & { allTags: true },
  ): Operation<PullEvent, Image[]>;
  /** Pulls one image: status and layer progress live, then `pulled` with the image. */
  pull(repository: string, options?: PullOptions): Operation<PullEvent, Image>;
  pull(repository: string, options?: PullOptions): Operation<PullEvent, Image | Image[]> {
    return pullImage(this.#context, repository, options);
  }

  /**
   * Pushes every local tag of a repository in turn (`allTags`); the await twin resolves to
   * each tag's `pushed` event.
   */
  push(
    repository: string,
    options: PushOptions & { allTags: true },
  ): Operation<PushEvent, PushedEvent[]>;
  /** Pushes an image: the server's progress (Podman 5 streams it), then `pushed`. */
  push(repository: string, options?: PushOptions): Operation<PushEvent, PushedEvent>;
  push(
    repository: string,
    options?: PushOptions,
  ): Operation<PushEvent, PushedEvent | PushedEvent[]> {
    return pushImage(this.client, repository, options);
  }

  /** Builds an image: log lines live, then `built` with the image. */
  build(options: BuildOptions): Operation<BuildEvent, BuildResult> {
    return buildImage(this.#context, options);
  }

  /**
   * Loads the images of an archive (path, bytes, Blob or stream), one by one; a file the
   * service sees at the same path is read in place (see `via`).
   */
  load(source: LoadSource, options?: LoadOptions): Operation<Image, Image[]> {
    return loadImages(this.#context, source, options);
  }

  /** Copies an image to another host with `podman image scp` on the server. */
  scp(source: string, options?: ScpOptions): Operation<ScpReport> {
    return scpImage(this.client, source, options);
  }
}
