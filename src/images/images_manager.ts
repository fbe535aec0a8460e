import { Observable } from "rxjs";
import { operation, type OperationOptions } from "../client/operation.ts";
import type { PodmanClient } from "../client/podman_client.ts";
import { requestJson, segment } from "../client/request_json.ts";
import { APIError, NotFound } from "../errors.ts";
import { AwaitableImages } from "../facade/awaitable_images.ts";
import { encodeFilters, type Filters } from "./filters.ts";
import { Image } from "./image.ts";
import { type AuthConfig, encodeRegistryAuth } from "./registry_auth.ts";
import { type BuildEvent, buildImage, type BuildOptions } from "./build/build.ts";
import { loadImages, type LoadSource } from "./load.ts";
import { type PullEvent, pullImage, type PullOptions } from "./pull.ts";
import { type PushEvent, pushImage, type PushOptions } from "./push.ts";
import { getRegistryData, type RegistryData } from "./registry_data.ts";
import { scpImage, type ScpOptions, type ScpReport } from "./scp.ts";
import type {
  ImageAttrs,
  PruneBuildsReport,
  PruneReport,
  RemoveReport,
  SearchResult,
} from "./types.ts";

/** Options for {@linkcode ImagesManager.list}. */
export interface ListOptions extends OperationOptions {
  /** Only images whose name matches (sent as the `reference` filter, overriding one in `filters`). */
  name?: string;
  /**
   * Include intermediate images.
   * @default {false}
   */
  all?: boolean;
  /** `dangling`, `label`, `reference`, `before`, `since`, `until`, `id`, `intermediate`, ... */
  filters?: Filters;
}

/** Options for {@linkcode ImagesManager.remove}. */
export interface RemoveOptions extends OperationOptions {
  /**
   * Remove the image even when containers use it (they are removed too).
   * @default {false}
   */
  force?: boolean;
  /**
   * Accepted for podman-py compatibility and ignored: Podman always removes untagged parents.
   * @default {false}
   */
  noprune?: boolean;
}

/** Options for {@linkcode ImagesManager.prune}. */
export interface PruneOptions extends OperationOptions {
  /**
   * Remove every image no container uses, not only dangling ones.
   * @default {false}
   */
  all?: boolean;
  /**
   * Also remove images used only by external containers (e.g. buildah's).
   * @default {false}
   */
  external?: boolean;
  /** `dangling`, `label`, `label!`, `until` (e.g. `"24h"` or a timestamp). */
  filters?: Filters;
}

/** Options for {@linkcode ImagesManager.search}. */
export interface SearchOptions extends OperationOptions {
  /** `is-automated`, `is-official`, `stars`. */
  filters?: Filters;
  /** Most results per registry. */
  limit?: number;
  /**
   * List the tags of the repository named by `term` instead of searching.
   * @default {false}
   */
  listTags?: boolean;
  /**
   * Do not truncate descriptions.
   * @default {true}
   */
  noTrunc?: boolean;
  /**
   * Require HTTPS and verify certificates.
   * @default {true}
   */
  tlsVerify?: boolean;
  /** Credentials for the registry. */
  authConfig?: AuthConfig;
}

/** Options for {@linkcode ImagesManager.getRegistryData}. */
export interface RegistryDataOptions extends OperationOptions {
  /** Credentials for the registry. */
  authConfig?: AuthConfig;
  /**
   * Require HTTPS and verify certificates when asking the registry.
   * @default {true}
   */
  tlsVerify?: boolean;
}

function requireName(name: unknown, action: string): asserts name is string {
  if (typeof name !== "string" || name.trim() === "") {
    throw new TypeError(`${action}: the image name is empty`);
  }
}

function isImageAttrs(value: unknown): value is ImageAttrs {
  return typeof value === "object" && value !== null &&
    typeof (value as { Id?: unknown }).Id === "string";
}

/**
 * The image operations of one Podman service, named after podman-py's `ImagesManager`.
 * Every method returns a cold Observable: nothing is sent until subscribe, each subscription
 * sends its own request, and unsubscribing aborts it.
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
  readonly client: PodmanClient;
  #promises: AwaitableImages | undefined;

  /** Creates the manager; `PodmanClient` makes one as `client.images`. */
  constructor(client: PodmanClient) {
    this.client = client;
  }

  /**
   * The same operations as promises, for scripts that want the result, not the stream.
   *
   * @example
   * ```ts ignore
   * const image = await podman.images.promises.get("busybox");
   * ```
   */
  get promises(): AwaitableImages {
    return (this.#promises ??= new AwaitableImages(this));
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
   *
   * const podman = new PodmanClient({ baseUrl: "unix:///run/podman/podman.sock" });
   * const image = podman.images.prepareModel({ Id: "a".repeat(64), RepoTags: ["x:1"] });
   * console.assert(image.tags[0] === "x:1");
   * await podman.close();
   * ```
   */
  prepareModel(attrs: ImageAttrs | Image): Image {
    if (attrs instanceof Image) return new Image(attrs.attrs, this);
    if (!isImageAttrs(attrs)) {
      throw new TypeError("Cannot make an Image: the attributes have no Id");
    }
    return new Image(attrs, this);
  }

  /**
   * Inspects an image by name or id.
   *
   * @returns A cold Observable of the image; errors with {@linkcode ImageNotFound} when there
   * is none by that name.
   *
   * @example
   * ```ts ignore
   * const image = await lastValueFrom(podman.images.get("busybox"));
   * ```
   */
  get(name: string, options?: OperationOptions): Observable<Image> {
    const action = `Cannot get image "${name}"`;
    requireName(name, action);
    return requestJson(
      this.client,
      {
        path: `/images/${segment(name)}/json`,
        action,
        notFound: "image",
      },
      options,
      (body) => this.prepareModel(body as ImageAttrs),
    );
  }

  /**
   * Tells whether an image exists locally.
   *
   * @returns A cold Observable of `true` or `false`; any answer other than 204 or 404 is an
   * error, not `false`.
   *
   * @example
   * ```ts ignore
   * if (!(await lastValueFrom(podman.images.exists("busybox")))) console.log("pull it first");
   * ```
   */
  exists(name: string, options?: OperationOptions): Observable<boolean> {
    const action = `Cannot check whether image "${name}" exists`;
    requireName(name, action);
    return requestJson(
      this.client,
      {
        path: `/images/${segment(name)}/exists`,
        action,
        notFound: "image",
      },
      options,
      () => true,
    ).pipe(notFoundAsFalse());
  }

  /**
   * Lists local images.
   *
   * @returns A cold Observable of one array of images.
   *
   * @example
   * ```ts ignore
   * const images = await lastValueFrom(podman.images.list({ filters: { label: { team: "a" } } }));
   * ```
   */
  list(options: ListOptions = {}): Observable<Image[]> {
    // Encoding first rejects filters that are not an object, before the spread hides it.
    encodeFilters(options.filters);
    const filters: Record<string, Filters[string]> = { ...options.filters };
    if (options.name) filters.reference = options.name;
    return requestJson(
      this.client,
      {
        path: "/images/json",
        query: { all: options.all, filters: encodeFilters(filters) },
        action: "Cannot list images",
      },
      options,
      (body) => ((body ?? []) as ImageAttrs[]).map((attrs) => this.prepareModel(attrs)),
    );
  }

  /**
   * Removes an image.
   *
   * @param image An {@linkcode Image} or a name or id.
   * @returns A cold Observable of what was deleted and untagged. Errors with
   * {@linkcode ImageNotFound} (404) or {@linkcode APIError} (409 when a container uses it and
   * `force` is not set).
   *
   * @example
   * ```ts ignore
   * const { deleted, untagged } = await lastValueFrom(podman.images.remove("old:1"));
   * ```
   */
  remove(image: Image | string, options: RemoveOptions = {}): Observable<RemoveReport> {
    const name = image instanceof Image ? image.id : image;
    const action = `Cannot remove image "${name}"`;
    requireName(name, action);
    const path = `/images/${segment(name)}`;
    return requestJson(
      this.client,
      {
        method: "DELETE",
        path,
        query: { force: options.force },
        action,
        notFound: "image",
      },
      options,
      (body) => {
        const report = (body ?? {}) as {
          Deleted?: string[] | null;
          Untagged?: string[] | null;
          Errors?: string[] | null;
          ExitCode?: number;
        };
        if (report.Errors?.length) {
          throw new APIError(action, {
            status: 200,
            method: "DELETE",
            path,
            explanation: report.Errors.join("; "),
          });
        }
        return {
          deleted: report.Deleted ?? [],
          untagged: report.Untagged ?? [],
          exitCode: report.ExitCode ?? 0,
        };
      },
    );
  }

  /**
   * Removes unused images: dangling ones, or every unused one with `all`.
   *
   * @returns A cold Observable of the ids removed and the bytes reclaimed. When the server
   * could not remove some images it errors with one {@linkcode APIError} naming them all.
   *
   * @example
   * ```ts ignore
   * const report = await lastValueFrom(podman.images.prune({ filters: { until: "24h" } }));
   * console.log(report.imagesDeleted.length, report.spaceReclaimed);
   * ```
   */
  prune(options: PruneOptions = {}): Observable<PruneReport> {
    const action = "Cannot prune images";
    const path = "/images/prune";
    return requestJson(
      this.client,
      {
        method: "POST",
        path,
        query: {
          all: options.all,
          external: options.external,
          filters: encodeFilters(options.filters),
        },
        action,
      },
      options,
      (body) => pruneReport(body, action, path),
    );
  }

  /**
   * Removes the build cache where the server can (Podman 5.3 and later prune the cache that
   * `RUN --mount=type=cache` builds leave); older servers have no such cache to prune, so the
   * report is empty with `supported: false` and nothing is sent.
   *
   * @returns A cold Observable of what was removed.
   *
   * @example
   * ```ts ignore
   * const report = await lastValueFrom(podman.images.pruneBuilds());
   * if (!report.supported) console.log("nothing to prune on this Podman");
   * ```
   */
  pruneBuilds(options?: OperationOptions): Observable<PruneBuildsReport> {
    return pruneBuildCache(this.client, options);
  }

  /**
   * Searches registries for images, or lists a repository's tags with `listTags`.
   *
   * @returns A cold Observable of the hits.
   *
   * @example
   * ```ts ignore
   * const hits = await lastValueFrom(podman.images.search("127.0.0.1:5000/app", { tlsVerify: false }));
   * ```
   */
  search(term: string, options: SearchOptions = {}): Observable<SearchResult[]> {
    const action = `Cannot search for "${term}"`;
    if (typeof term !== "string" || term.trim() === "") {
      throw new TypeError(`${action}: the search term is empty`);
    }
    if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
      throw new RangeError(`${action}: limit must be a positive integer, got ${options.limit}`);
    }
    const auth = encodeRegistryAuth(options.authConfig);
    return requestJson(
      this.client,
      {
        path: "/images/search",
        query: {
          term,
          limit: options.limit,
          filters: encodeFilters(options.filters),
          listTags: options.listTags,
          noTrunc: options.noTrunc ?? true,
          tlsVerify: options.tlsVerify,
        },
        headers: auth.headers,
        secrets: auth.secrets,
        action,
      },
      options,
      (body) => (body ?? []) as SearchResult[],
    );
  }

  /**
   * Reads what a registry knows of an image: its manifest, asked of the registry through the
   * server; where the registry cannot be asked, the local image, as podman-py does. The result
   * says which (`source`).
   *
   * @returns A cold Observable of the {@linkcode RegistryData}.
   *
   * @example
   * ```ts ignore
   * const data = await lastValueFrom(podman.images.getRegistryData("127.0.0.1:5000/app:1"));
   * console.log(data.source, data.hasPlatform("linux/amd64"));
   * ```
   */
  getRegistryData(name: string, options: RegistryDataOptions = {}): Observable<RegistryData> {
    requireName(name, `Cannot read registry data of "${name}"`);
    return getRegistryData(this, name, options);
  }

  /**
   * Pulls an image from a registry.
   *
   * @param repository `registry[:port]/name[:tag]` or `name@sha256:...`; `tag` may give the tag.
   * @returns A cold Observable of status lines and layer progress as the server sends them,
   * ending with a `pulled` event that holds the {@linkcode Image} (all of them with `allTags`).
   * An error reported inside the stream errors it with {@linkcode APIError}; a failed pull
   * never ends with an empty image.
   * @throws {TypeError} When the reference is malformed, or names a tag twice.
   *
   * @example
   * ```ts ignore
   * const events = podman.images.pull("127.0.0.1:5000/app", { tag: "1", tlsVerify: false });
   * events.subscribe((event) => console.log(event.type));
   * ```
   */
  pull(repository: string, options?: PullOptions): Observable<PullEvent> {
    return pullImage(this, repository, options);
  }

  /**
   * Pushes an image to a registry.
   *
   * @returns A cold Observable of the server's progress (Podman 5 streams it; Podman 4 pushes
   * in one blocking request), ending with a `pushed` event (with the manifest digest when the
   * server reports it). Never invents status lines.
   *
   * @example
   * ```ts ignore
   * await lastValueFrom(podman.images.push("127.0.0.1:5000/app:1", { tlsVerify: false }));
   * ```
   */
  push(repository: string, options?: PushOptions): Observable<PushEvent> {
    return pushImage(this, repository, options);
  }

  /**
   * Builds an image from a context directory, a Dockerfile, or a ready tar stream.
   *
   * @returns A cold Observable of log lines as the server writes them, ending with a `built`
   * event that holds the {@linkcode Image}. A failed build errors with {@linkcode BuildError}
   * carrying the server's message and the log so far.
   *
   * @example
   * ```ts ignore
   * podman.images.build({ path: "./app", tag: "localhost/app:dev" }).subscribe((event) => {
   *   if (event.type === "log") console.log(event.line.trimEnd());
   * });
   * ```
   */
  build(options: BuildOptions): Observable<BuildEvent> {
    return buildImage(this, options);
  }

  /**
   * Loads images from an archive (`docker-archive` or `oci-archive`), streamed.
   *
   * @param source A file path, bytes, a Blob or a byte stream.
   * @returns A cold Observable of each loaded {@linkcode Image}.
   *
   * @example
   * ```ts ignore
   * const images = await lastValueFrom(podman.images.load("./app.tar").pipe(toArray()));
   * ```
   */
  load(source: LoadSource, options?: OperationOptions): Observable<Image> {
    return loadImages(this, source, options);
  }

  /**
   * Copies an image to another host or user with `podman image scp` on the server.
   *
   * @param source `[user@host[:port]::]image`.
   * @returns A cold Observable of what was loaded at the destination.
   *
   * @example
   * ```ts ignore
   * await lastValueFrom(podman.images.scp("busybox", { destination: "other::" }));
   * ```
   */
  scp(source: string, options?: ScpOptions): Observable<ScpReport> {
    return scpImage(this, source, options);
  }
}

function notFoundAsFalse(): (source: Observable<boolean>) => Observable<boolean> {
  return (source) =>
    new Observable<boolean>((subscriber) =>
      source.subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => {
          if (error instanceof NotFound) {
            subscriber.next(false);
            subscriber.complete();
          } else {
            subscriber.error(error);
          }
        },
        complete: () => subscriber.complete(),
      })
    );
}

function pruneReport(body: unknown, action: string, path: string): PruneReport {
  const entries = (body ?? []) as { Id: string; Size?: number; Err?: string | null }[];
  const failures = entries.filter((entry) => entry.Err);
  if (failures.length > 0) {
    throw new APIError(action, {
      status: 200,
      method: "POST",
      path,
      explanation: failures.map((entry) => `${entry.Id}: ${entry.Err}`).join("; "),
    });
  }
  return {
    imagesDeleted: entries.map((entry) => entry.Id),
    spaceReclaimed: entries.reduce((sum, entry) => sum + (entry.Size ?? 0), 0),
  };
}

// Podman 5.3 added `buildcache` to image pruning; that flag also prunes dangling images, so a
// label filter that no image can carry keeps the images out and only the cache goes.
const NO_IMAGE_LABEL = "podrx.prune-builds-only=1b8e0c1f";

function pruneBuildCache(
  client: PodmanClient,
  options: OperationOptions | undefined,
): Observable<PruneBuildsReport> {
  const action = "Cannot prune the build cache";
  return operation<PruneBuildsReport>(action, options, async ({ emit, signal }) => {
    const version = (await client.apiVersion(signal)).split(".").map(Number);
    const [major = 0, minor = 0] = version;
    if (major < 5 || (major === 5 && minor < 3)) {
      emit({ cachesDeleted: [], spaceReclaimed: 0, supported: false });
      return;
    }
    const response = await client.request({
      method: "POST",
      path: "/images/prune",
      query: { buildcache: true, filters: encodeFilters({ label: NO_IMAGE_LABEL }) },
      action,
    }, signal);
    await response.body?.cancel();
    emit({ cachesDeleted: [], spaceReclaimed: 0, supported: true });
  });
}
