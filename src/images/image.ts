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
import { saveImage, saveImageToFile, type SaveOptions } from "./operations/save.ts";
import { tagImage, type TagOptions } from "./operations/tag.ts";
import { untagImage } from "./operations/untag.ts";

/**
 * A local image: its attributes as last read from the server, and the operations on it.
 * Models come from `get`, `list`, `pull`, `build` and `load`; `prepareModel` makes one from
 * raw attributes. Each method returns a cold Observable; `image.promises` has the same
 * methods as promises.
 *
 * @example Tagging an image
 * ```ts ignore
 * import { PodmanClient } from "@podrx/podrx";
 * import { lastValueFrom } from "rxjs";
 *
 * await using podman = new PodmanClient();
 * const image = await lastValueFrom(podman.images.get("busybox"));
 * await lastValueFrom(image.tag("localhost/mine", "v1"));
 * console.log((await lastValueFrom(image.reload())).tags);
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
   * ```ts ignore
   * await image.promises.tag("localhost/app", "v2");
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
   * ```ts ignore
   * const history = await lastValueFrom(image.history());
   * console.log(history.map((layer) => layer.createdBy));
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
   * ```ts ignore
   * const fresh = await lastValueFrom(image.reload());
   * console.log(fresh === image, fresh.tags);
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
   * ```ts ignore
   * const report = await lastValueFrom(image.remove({ force: true }));
   * console.log(report.deleted);
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
   * ```ts ignore
   * await lastValueFrom(image.tag("localhost/app", "v2"));
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
   * ```ts ignore
   * await lastValueFrom(image.untag("localhost/app", "v2"));
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
   * ```ts ignore
   * image.save({ named: true }).subscribe((chunk) => console.log(chunk.byteLength));
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
   * ```ts ignore
   * await lastValueFrom(image.saveToFile("./app.tar"));
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
