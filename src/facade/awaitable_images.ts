import type { AwaitOptions } from "../async/await_options.ts";
import { PodmanError } from "../errors.ts";
import { lastOf, settle } from "../async/settle.ts";
import type { TwinsOf } from "../async/twins.ts";
import type { OperationOptions } from "../client/operation.ts";
import { awaitPull } from "../images/await_pull.ts";
import type { Image } from "../images/image.ts";
import type { BuildEvent, PullEvent } from "../images/image_events.ts";
import type { ImagesManager } from "../images/images_manager.ts";
import type { BuildOptions } from "../images/operations/building/build_options.ts";
import type { PlatformImageOf } from "../images/operations/building/build_manifest.ts";
import type { ListOptions } from "../images/operations/list.ts";
import type { LoadOptions, LoadSource } from "../images/operations/load.ts";
import type { PruneOptions } from "../images/operations/prune.ts";
import type { PullOptions } from "../images/operations/pull.ts";
import type { PushedEvent, PushEvent, PushOptions } from "../images/operations/push.ts";
import type { RegistryDataOptions } from "../images/operations/read_registry_data.ts";
import type { RemoveOptions } from "../images/operations/remove.ts";
import type {
  PruneBuildsReport,
  PruneReport,
  RemoveReport,
  SearchResult,
} from "../vocabulary/reports.ts";
import type { ScpOptions, ScpReport } from "../images/operations/scp.ts";
import type { SearchOptions } from "../images/operations/search.ts";
import type { RegistryData } from "../images/registry_data.ts";

/** What the await-style `build()` resolves with. */
export interface BuildResult {
  /** The image built. */
  image: Image;
  /** Every log line, in order. */
  log: string[];
  /** For a build into a manifest list: the list's name. */
  manifest?: string;
  /** For a build into a manifest list: each platform's image and list entry (`image` is the first's). */
  images?: PlatformImageOf<Image>[];
}

/**
 * The image operations as promises, for scripts that want the result and not the stream.
 * Each method has the name and options of its {@linkcode ImagesManager} twin, plus `signal`
 * (aborts the request) and `onProgress` (every event, live). Get it as `client.images.promises`.
 *
 * @example Pull, then build on top, awaiting each
 * ```ts ignore
 * import { PodmanClient } from "@podrx/podrx";
 *
 * await using podman = new PodmanClient();
 * const images = podman.images.promises;
 * const base = await images.pull("127.0.0.1:5000/base", { tag: "1", tlsVerify: false });
 * const { image, log } = await images.build({
 *   path: "./app",
 *   tag: "localhost/app:dev",
 *   onProgress: (event) => event.type === "log" && console.log(event.line.trimEnd()),
 * });
 * console.log(base.id, image.id, log.length);
 * ```
 */
export class AwaitableImages {
  readonly #images: ImagesManager;

  /** Wraps a manager; use `client.images.promises`. */
  constructor(images: ImagesManager) {
    this.#images = images;
  }

  /** `get()` as a promise of the {@linkcode Image}. */
  get(name: string, options: OperationOptions & AwaitOptions = {}): Promise<Image> {
    return lastOf(this.#images.get(name, options));
  }

  /** `exists()` as a promise of `true` or `false`. */
  exists(name: string, options: OperationOptions & AwaitOptions = {}): Promise<boolean> {
    return lastOf(this.#images.exists(name, options));
  }

  /** `list()` as a promise of the images. */
  list(options: ListOptions & AwaitOptions = {}): Promise<Image[]> {
    return lastOf(this.#images.list(options));
  }

  /** `remove()` as a promise of the report. */
  remove(image: Image | string, options: RemoveOptions & AwaitOptions = {}): Promise<RemoveReport> {
    return lastOf(this.#images.remove(image, options));
  }

  /** `prune()` as a promise of the report. */
  prune(options: PruneOptions & AwaitOptions = {}): Promise<PruneReport> {
    return lastOf(this.#images.prune(options));
  }

  /** `pruneBuilds()` as a promise of the report. */
  pruneBuilds(options: OperationOptions & AwaitOptions = {}): Promise<PruneBuildsReport> {
    return lastOf(this.#images.pruneBuilds(options));
  }

  /** `search()` as a promise of the hits. */
  search(term: string, options: SearchOptions & AwaitOptions = {}): Promise<SearchResult[]> {
    return lastOf(this.#images.search(term, options));
  }

  /** `getRegistryData()` as a promise. */
  getRegistryData(
    name: string,
    options: RegistryDataOptions & AwaitOptions = {},
  ): Promise<RegistryData> {
    return lastOf(this.#images.getRegistryData(name, options));
  }

  /**
   * `pull()` as a promise of the pulled {@linkcode Image}, or of every image with `allTags`.
   * `onProgress` receives the status and layer events.
   */
  pull(
    repository: string,
    options: PullOptions & { allTags: true } & AwaitOptions<PullEvent>,
  ): Promise<Image[]>;
  /** `pull()` as a promise of the pulled {@linkcode Image}. */
  pull(repository: string, options?: PullOptions & AwaitOptions<PullEvent>): Promise<Image>;
  pull(
    repository: string,
    options: PullOptions & AwaitOptions<PullEvent> = {},
  ): Promise<Image | Image[]> {
    return awaitPull(this.#images.pull(repository, options), options);
  }

  /**
   * `push()` with `allTags` as a promise of every tag's `pushed` event, in the order pushed.
   * `onProgress` receives every event, each naming its `tag`.
   */
  push(
    repository: string,
    options: PushOptions & { allTags: true } & AwaitOptions<PushEvent>,
  ): Promise<PushedEvent[]>;
  /** `push()` as a promise of the final event (destination and digest). */
  push(repository: string, options?: PushOptions & AwaitOptions<PushEvent>): Promise<PushedEvent>;
  push(
    repository: string,
    options: PushOptions & AwaitOptions<PushEvent> = {},
  ): Promise<PushedEvent | PushedEvent[]> {
    const pushed: PushedEvent[] = [];
    return settle(this.#images.push(repository, options), (event) => {
      options.onProgress?.(event);
      if (event.type === "pushed") pushed.push(event);
    }, () => {
      if (pushed.length === 0) throw new PodmanError("The push completed without a result");
      return options.allTags ? pushed : pushed[0]!;
    });
  }

  /** `build()` as a promise of the image and the whole log. */
  build(options: BuildOptions & AwaitOptions<BuildEvent>): Promise<BuildResult> {
    const log: string[] = [];
    let image: Image | undefined;
    let list: { manifest: string; images: PlatformImageOf<Image>[] } | undefined;
    return settle(this.#images.build(options), (event) => {
      options.onProgress?.(event);
      if (event.type === "log") log.push(event.line);
      else if (event.type === "built") image = event.image;
      else {
        image = event.images[0]?.image;
        list = { manifest: event.manifest, images: event.images };
      }
    }, () => {
      if (!image) throw new PodmanError("The build completed without an image");
      return list ? { image, log, ...list } : { image, log };
    });
  }

  /** `load()` as a promise of every loaded image. */
  load(source: LoadSource, options: LoadOptions & AwaitOptions<Image> = {}): Promise<Image[]> {
    const images: Image[] = [];
    return settle(this.#images.load(source, options), (image) => {
      options.onProgress?.(image);
      images.push(image);
    }, () => images);
  }

  /** `scp()` as a promise of the report. */
  scp(source: string, options: ScpOptions & AwaitOptions = {}): Promise<ScpReport> {
    return lastOf(this.#images.scp(source, options));
  }
}

true satisfies TwinsOf<ImagesManager, AwaitableImages>;
