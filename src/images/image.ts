import { lastEvent, type Operation, operationOf } from "../async/operation.ts";
import { map } from "rxjs";
import { type AwaitTwins, awaitTwins } from "../async/twins.ts";
import type { OperationOptions } from "../client/operation.ts";
import { algorithmOf } from "../vocabulary/image_id.ts";
import { inspectImage } from "./operations/get.ts";
import { imageHistory } from "./operations/history.ts";
import type { ImagesContext } from "./operations/images_context.ts";
import { removeImage, type RemoveOptions } from "./operations/remove.ts";
import type { HistoryEntry, ImageAttrs, RemoveReport } from "../vocabulary/reports.ts";
import { saveImage, saveImageToFile } from "./operations/save.ts";
import type { SaveOptions } from "./operations/save_options.ts";
import { tagImage, type TagOptions } from "./operations/tag.ts";
import { untagImage } from "./operations/untag.ts";

/**
 * A local image: its attributes as last read from the server, and the operations on it.
 * Models come from `get`, `list`, `pull`, `build` and `load`; `prepareModel` makes one from
 * raw attributes. Each method returns a cold Observable; `image.promises` has the same
 * methods as promises.
 *
 * @example Tagging an image
 * ```ts
 * import { PodmanClient } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 * import { lastValueFrom } from "rxjs";
 *
 * // Keeps one image and tags it as Podman 5 does; leave `transport` out to use your service.
 * const attrs = { Id: "b".repeat(64), RepoTags: ["docker.io/library/busybox:latest"] };
 * const headers = { "Libpod-API-Version": "5.4.0" };
 * await using podman = new PodmanClient({
 *   transport: {
 *     origin: "http://libpod",
 *     description: "a fake Podman",
 *     fetch: async (url) => {
 *       const { pathname, searchParams } = new URL(url);
 *       if (!pathname.endsWith("/tag")) return Response.json(attrs, { headers });
 *       attrs.RepoTags.push(`${searchParams.get("repo")}:${searchParams.get("tag")}`);
 *       return new Response(null, { status: 201, headers });
 *     },
 *     close: () => {},
 *   },
 * });
 * const image = await lastValueFrom(podman.images.get("busybox"));
 * await lastValueFrom(image.tag("localhost/mine", "v1"));
 * assert.deepEqual((await lastValueFrom(image.reload())).tags, [
 *   "docker.io/library/busybox:latest",
 *   "localhost/mine:v1",
 * ]);
 * ```
 */
export class Image {
  #attrs: ImageAttrs;
  readonly #context: ImagesContext<Image>;
  readonly #name: string | undefined;
  #promises: AwaitTwins<Image> | undefined;

  /**
   * Wraps attributes; use `ImagesManager.prepareModel` rather than this constructor.
   *
   * @param name How the caller named the image (see {@linkcode Image.name}).
   *
   * @ignore
   */
  constructor(attrs: ImageAttrs, context: ImagesContext<Image>, name?: string) {
    if (!attrs || typeof attrs.Id !== "string") {
      throw new TypeError("Cannot make an Image: the attributes have no Id");
    }
    this.#attrs = { ...attrs };
    this.#context = context;
    this.#name = typeof name === "string" && name.trim() !== "" ? name : undefined;
  }

  /** The raw attributes, as the server sent them. */
  get attrs(): ImageAttrs {
    return this.#attrs;
  }

  /**
   * The full id, exactly as the server wrote it (`attrs.Id`), as podman-py's `Image.id`:
   * Podman writes 64 hex digits today (list entries and inspect documents agree), some
   * servers `sha256:<hex>`, and Podman 6 warns that the form will change for images that are
   * not wholly sha256-based. Treat it as opaque text; podrx sends it back unchanged.
   */
  get id(): string {
    return this.#attrs.Id;
  }

  /**
   * The id cut short as podman-py cuts it: `sha256:` plus 10 characters, else the first 10.
   * An id with another `algorithm:` keeps it the same way (`sha512:` plus 10), where
   * podman-py would keep the first 10 characters, mostly the algorithm.
   */
  get shortId(): string {
    return this.id.slice(0, algorithmOf(this.id).length + 10);
  }

  /**
   * The image as the caller named it, which every error message of its methods uses: the
   * name passed to `get()`, the reference pulled or built, else its first tag, else its
   * short id.
   */
  get name(): string {
    return this.#name ?? this.tags[0] ?? this.shortId;
  }

  /** Tags of the image, without the `<none>:<none>` placeholder. */
  get tags(): string[] {
    return (this.#attrs.RepoTags ?? []).filter((tag) => tag !== "<none>:<none>");
  }

  /** Labels of the image, `{}` when it has none. */
  get labels(): Record<string, string> {
    return this.#attrs.Labels ?? {};
  }

  /**
   * The same operations on this image as promises.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = new PodmanClient();
   * const image = await podman.images.promises.get("localhost/app:1");
   * await image.promises.tag("localhost/app", "v2");
   * console.log((await image.promises.history()).length);
   * ```
   */
  get promises(): AwaitTwins<Image> {
    return (this.#promises ??= awaitTwins<Image>(this));
  }

  /**
   * The image's layer history.
   *
   * @returns A cold Observable of the history, newest layer first.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   * import { lastValueFrom } from "rxjs";
   *
   * await using podman = new PodmanClient();
   * const image = await lastValueFrom(podman.images.get("localhost/app:1"));
   * for (const layer of await lastValueFrom(image.history())) console.log(layer.createdBy);
   * ```
   */
  history(options?: OperationOptions): Operation<HistoryEntry[]> {
    return imageHistory(this.#context.requester, this, options);
  }

  /**
   * Reads the attributes again from the server and updates this model.
   *
   * @returns A cold Observable that emits this image, refreshed.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   * import { lastValueFrom } from "rxjs";
   *
   * await using podman = new PodmanClient();
   * const image = await lastValueFrom(podman.images.get("localhost/app:1"));
   * // ... tagged meanwhile, by this client or another:
   * console.log((await lastValueFrom(image.reload())).tags);
   * ```
   */
  reload(options?: OperationOptions): Operation<Image> {
    const fresh = { requester: this.#context.requester, toImage: (attrs: ImageAttrs) => attrs };
    const action = `Cannot reload image "${this.name}"`;
    return operationOf(
      action,
      inspectImage(fresh, this.id, action, options).pipe(
        map((attrs) => {
          this.#attrs = { ...attrs };
          return this;
        }),
      ),
      lastEvent<Image>,
    );
  }

  /**
   * Removes this image; same as `images.remove(image, options)`.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   * import { lastValueFrom } from "rxjs";
   *
   * await using podman = new PodmanClient();
   * const image = await lastValueFrom(podman.images.get("localhost/app:1"));
   * const { deleted, untagged } = await lastValueFrom(image.remove({ force: true }));
   * console.log(deleted, untagged);
   * ```
   */
  remove(options?: RemoveOptions): Operation<RemoveReport> {
    return removeImage(this.#context.requester, this, options);
  }

  /**
   * Adds the name `repository:tag` to this image.
   *
   * @param repository The repository, e.g. `localhost/app` or `127.0.0.1:5000/team/app`.
   * @param tag The tag; `latest` when left out.
   * @returns A cold Observable that emits `true` once tagged (`false` when refused with `force`);
   * on subscribe, a malformed repository or tag errors it with `RangeError` before anything is
   * sent.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   * import { lastValueFrom } from "rxjs";
   *
   * await using podman = new PodmanClient();
   * const image = await lastValueFrom(podman.images.get("localhost/app:1"));
   * await lastValueFrom(image.tag("127.0.0.1:5000/team/app", "1.4"));
   * ```
   */
  tag(repository: string, tag?: string, options?: TagOptions): Operation<boolean> {
    return tagImage(this.#context.requester, this, repository, tag, options);
  }

  /**
   * Removes the name `repository:tag` from this image, or every name when both are left out.
   *
   * @returns A cold Observable that emits `true` once untagged.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   * import { lastValueFrom } from "rxjs";
   *
   * await using podman = new PodmanClient();
   * const image = await lastValueFrom(podman.images.get("localhost/app:1"));
   * await lastValueFrom(image.untag("localhost/app", "1"));
   * ```
   */
  untag(repository?: string, tag?: string, options?: OperationOptions): Operation<boolean> {
    return untagImage(this.#context.requester, this, repository, tag, options);
  }

  /**
   * Exports the image as an archive, streamed.
   *
   * @returns A cold Observable of the archive's bytes, chunk by chunk as they arrive
   * (`docker-archive` by default, which `load()` accepts).
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   * import { lastValueFrom } from "rxjs";
   *
   * await using podman = new PodmanClient();
   * const image = await lastValueFrom(podman.images.get("localhost/app:1"));
   * const archive = await image.promises.save({ named: true });
   * console.log(`${archive.byteLength} bytes`);
   * ```
   */
  save(options?: SaveOptions): Operation<Uint8Array, Uint8Array> {
    return saveImage(this.#context.requester, this, options);
  }

  /**
   * Exports the image straight into a file.
   *
   * @returns A cold Observable of the bytes written so far; it completes once the file is
   * whole. On failure or unsubscribe the partial file is closed and removed, so no truncated
   * archive is left looking whole (an existing file at that path is replaced).
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   * import { lastValueFrom } from "rxjs";
   *
   * await using podman = new PodmanClient();
   * const image = await lastValueFrom(podman.images.get("localhost/app:1"));
   * const size = await lastValueFrom(image.saveToFile("./app.tar", { named: true }));
   * console.log(`wrote ${size} bytes`);
   * ```
   */
  saveToFile(path: string | URL, options?: SaveOptions): Operation<number> {
    return saveImageToFile(this.#context.requester, this, path, options);
  }

  /** A short text for logs: `<Image: 'a:1', 'b:2'>` as podman-py prints it. */
  toString(): string {
    const tags = this.tags;
    return `<Image: ${tags.length ? tags.map((t) => `'${t}'`).join(", ") : `'${this.shortId}'`}>`;
  }
}
