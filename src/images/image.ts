import { catchError, type Observable, of, type OperatorFunction } from "rxjs";
import { APIError } from "../errors.ts";
import type { OperationOptions } from "../client/operation.ts";
import { requestJson, segment } from "../client/request_json.ts";
import type { ImagesManager, RemoveOptions } from "./images_manager.ts";
import { parseReference, validateTag } from "./reference.ts";
import { saveImage, saveImageToFile, type SaveOptions } from "./save.ts";
import type { HistoryEntry, ImageAttrs, RemoveReport } from "./types.ts";

/** Options for {@linkcode Image.tag}. */
export interface TagOptions extends OperationOptions {
  /**
   * When true, a refused tag (status up to 500) emits `false` instead of erroring, as
   * podman-py's `force` does.
   * @default {false}
   */
  force?: boolean;
}

/**
 * A local image: its attributes as last read from the server, and the operations on it.
 * Models come from `get`, `list`, `pull`, `build` and `load`; `prepareModel` makes one from
 * raw attributes.
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
  /** The manager this image belongs to. */
  readonly manager: ImagesManager;
  #attrs: ImageAttrs;

  /** Wraps attributes; use `ImagesManager.prepareModel` rather than this constructor. */
  constructor(attrs: ImageAttrs, manager: ImagesManager) {
    if (!attrs || typeof attrs.Id !== "string") {
      throw new TypeError("Cannot make an Image: the attributes have no Id");
    }
    this.#attrs = { ...attrs };
    this.manager = manager;
  }

  /** The raw attributes, as the server sent them. */
  get attrs(): ImageAttrs {
    return this.#attrs;
  }

  /** The full id (64 hex digits; list entries and inspect documents agree). */
  get id(): string {
    return this.#attrs.Id;
  }

  /** The id cut short as podman-py does: `sha256:` plus 10 digits, or 10 digits. */
  get shortId(): string {
    return this.id.startsWith("sha256:") ? this.id.slice(0, 17) : this.id.slice(0, 10);
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
   * The image's layer history.
   *
   * @returns A cold Observable of the history, newest layer first.
   *
   * @example
   * ```ts ignore
   * const history = await lastValueFrom(image.history());
   * console.log(history.map((layer) => layer.CreatedBy));
   * ```
   */
  history(options?: OperationOptions): Observable<HistoryEntry[]> {
    return requestJson(
      this.manager.client,
      {
        path: `/images/${segment(this.id)}/history`,
        action: `Cannot read the history of image "${this.shortId}"`,
        notFound: "image",
      },
      options,
      (body) => (body ?? []) as HistoryEntry[],
    );
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
  reload(options?: OperationOptions): Observable<Image> {
    return requestJson(
      this.manager.client,
      {
        path: `/images/${segment(this.id)}/json`,
        action: `Cannot reload image "${this.shortId}"`,
        notFound: "image",
      },
      options,
      (body) => {
        this.#attrs = { ...(body as ImageAttrs) };
        return this;
      },
    );
  }

  /**
   * Removes this image; same as `manager.remove(image, options)`.
   *
   * @example
   * ```ts ignore
   * const report = await lastValueFrom(image.remove({ force: true }));
   * console.log(report.deleted);
   * ```
   */
  remove(options?: RemoveOptions): Observable<RemoveReport> {
    return this.manager.remove(this, options);
  }

  /**
   * Adds the name `repository:tag` to this image.
   *
   * @param repository The repository, e.g. `localhost/app` or `127.0.0.1:5000/team/app`.
   * @param tag The tag; `latest` when left out.
   * @returns A cold Observable that emits `true` once tagged (`false` when refused with `force`).
   * @throws {TypeError} When the repository or tag is malformed.
   *
   * @example
   * ```ts ignore
   * await lastValueFrom(image.tag("localhost/app", "v2"));
   * ```
   */
  tag(repository: string, tag?: string, options: TagOptions = {}): Observable<boolean> {
    const action = `Cannot tag image "${this.shortId}" as "${repository}:${tag ?? "latest"}"`;
    const parsed = parseReference(repository);
    if (parsed.tag !== undefined || parsed.digest !== undefined) {
      throw new TypeError(`${action}: the repository must not carry a tag or digest`);
    }
    if (tag !== undefined) validateTag(tag, action);
    const tagged = requestJson(
      this.manager.client,
      {
        method: "POST",
        path: `/images/${segment(this.id)}/tag`,
        query: { repo: repository, tag },
        action,
        notFound: "image",
      },
      options,
      () => true,
    );
    return options.force ? tagged.pipe(refusedAsFalse()) : tagged;
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
  untag(repository?: string, tag?: string, options?: OperationOptions): Observable<boolean> {
    const name = repository === undefined ? "every tag" : `"${repository}:${tag ?? "latest"}"`;
    if (repository !== undefined) parseReference(repository);
    if (tag !== undefined) validateTag(tag, `Cannot untag ${name}`);
    return requestJson(
      this.manager.client,
      {
        method: "POST",
        path: `/images/${segment(this.id)}/untag`,
        query: { repo: repository, tag: repository === undefined ? undefined : tag ?? "latest" },
        action: `Cannot remove ${name} from image "${this.shortId}"`,
        notFound: "image",
      },
      options,
      () => true,
    );
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
  save(options?: SaveOptions): Observable<Uint8Array> {
    return saveImage(this, options);
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
  saveToFile(path: string | URL, options?: SaveOptions): Observable<number> {
    return saveImageToFile(this, path, options);
  }

  /** A short text for logs: `<Image: 'a:1', 'b:2'>` as podman-py prints it. */
  toString(): string {
    const tags = this.tags;
    return `<Image: ${tags.length ? tags.map((t) => `'${t}'`).join(", ") : `'${this.shortId}'`}>`;
  }
}

function refusedAsFalse(): OperatorFunction<boolean, boolean> {
  return catchError((error: unknown) => {
    if (error instanceof APIError && error.status <= 500) return of(false);
    throw error;
  });
}
