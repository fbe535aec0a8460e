import { lastEvent, type Operation, operationOf } from "../async/operation.ts";
import { concatMap, map } from "rxjs";
import { type AwaitTwins, awaitTwins } from "../async/twins.ts";
import type { OperationOptions } from "../client/operation.ts";
import type { PushedEvent } from "../images/operations/push_events.ts";
import type { Image } from "../images/image.ts";
import { inspectManifest } from "./operations/get.ts";
import {
  type ManifestAttrs,
  type ManifestEntry,
  platformText,
} from "../vocabulary/manifest_attrs.ts";
import type { ManifestsContext } from "./operations/manifests_context.ts";
import { addToManifest, type ManifestAddOptions, removeFromManifest } from "./operations/modify.ts";
import {
  type ManifestPushEvent,
  type ManifestPushOptions,
  pushManifest,
} from "./operations/push.ts";

/**
 * A manifest list (an OCI index or Docker manifest list) in local storage, as podman-py's
 * `Manifest` models it: its name, media type, schema version and entries, with `add`,
 * `remove`, `push` and `reload`, each a cold Observable; `manifest.promises` has them as
 * promises. Get one from `podman.manifests.create()` or `get()`, or from a multi-platform
 * build.
 *
 * @example Building a list by hand and pushing it with every image
 * ```ts check-only
 * import { PodmanClient } from "@podrx/podrx";
 *
 * await using podman = new PodmanClient();
 * const list = await podman.manifests.promises.create("localhost/app:1");
 * await list.promises.add(["containers-storage:localhost/app-amd64:1"]);
 * const { digest } = await list.promises.push("127.0.0.1:5000/app:1", { tlsVerify: false });
 * console.log(digest, list.platforms);
 * ```
 */
export class Manifest {
  /** The name the list was asked for by (what podman-py calls `names`). */
  readonly name: string;
  #attrs: ManifestAttrs;
  #id: string | undefined;
  readonly #context: ManifestsContext<Manifest>;
  #promises: AwaitTwins<Manifest> | undefined;

  /**
   * Wraps inspect attributes; use `ManifestsManager.prepareModel` rather than this constructor.
   *
   * @ignore
   */
  constructor(
    name: string,
    attrs: ManifestAttrs,
    context: ManifestsContext<Manifest>,
    id?: string,
  ) {
    if (typeof name !== "string" || name.trim() === "") {
      throw new TypeError("Cannot make a Manifest: the name is empty");
    }
    this.name = name;
    this.#attrs = { ...attrs, manifests: attrs.manifests ?? [] };
    this.#id = id;
    this.#context = context;
  }

  /** The inspect document, as the server sent it (`manifests` always an array). */
  get attrs(): ManifestAttrs {
    return this.#attrs;
  }

  /**
   * The list's id in local storage where the server reported it (create, add and remove
   * answer with it), else its name. podman-py answers the first entry's digest, which is not
   * the list's.
   */
  get id(): string {
    return this.#id ?? this.name;
  }

  /** podman-py's `names`: the name the list was asked for. */
  get names(): string {
    return this.name;
  }

  /** The list's media type (OCI index or Docker manifest list). */
  get mediaType(): string | undefined {
    return this.#attrs.mediaType;
  }

  /** The schema version (2). */
  get version(): number | undefined {
    return this.#attrs.schemaVersion;
  }

  /** The images of the list, in order. */
  get manifests(): readonly ManifestEntry[] {
    return this.#attrs.manifests ?? [];
  }

  /** Each entry's platform as `os/arch[/variant]`, in order. */
  get platforms(): string[] {
    return this.manifests.map((entry) => platformText(entry.platform));
  }

  /**
   * The same operations as promises: `add`, `remove` and `reload` resolve to this model,
   * `push` to its final event.
   *
   * @example
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * // Answers as Podman 5 does: the list's id for the change, then the list as it is now.
   * const entry = {
   *   mediaType: "application/vnd.oci.image.manifest.v1+json",
   *   size: 495,
   *   digest: `sha256:${"1".repeat(64)}`,
   *   platform: { os: "linux", architecture: "arm64" },
   * };
   * const headers = { "Libpod-API-Version": "5.4.0" };
   * await using podman = new PodmanClient({
   *   transport: {
   *     origin: "http://libpod",
   *     description: "a fake Podman",
   *     fetch: async (_url, init) =>
   *       init.method === "PUT"
   *         ? Response.json({ Id: "c".repeat(64) }, { headers })
   *         : Response.json({ schemaVersion: 2, manifests: [entry] }, { headers }),
   *     close: () => {},
   *   },
   * });
   * const list = podman.manifests.prepareModel("localhost/app:1", { manifests: [] });
   * const same = await list.promises.add(["containers-storage:localhost/app-arm64:1"]);
   * assert.equal(same, list);
   * assert.deepEqual(list.platforms, ["linux/arm64"]);
   * ```
   */
  get promises(): AwaitTwins<Manifest> {
    return (this.#promises ??= awaitTwins<Manifest>(this));
  }

  /**
   * Adds images to the list (`PUT /libpod/manifests/{name}`), then reloads it.
   *
   * @param images Names (a bare name is read from its registry, `containers-storage:NAME`
   * from local storage) or local `Image` models.
   * @returns A cold Observable of this model, refreshed.
   *
   * @example
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   * import { lastValueFrom } from "rxjs";
   *
   * // Answers as Podman 5 does: the list's id for the change, then the list as it is now.
   * const entry = {
   *   mediaType: "application/vnd.oci.image.manifest.v1+json",
   *   size: 495,
   *   digest: `sha256:${"1".repeat(64)}`,
   *   platform: { os: "linux", architecture: "arm64" },
   * };
   * const headers = { "Libpod-API-Version": "5.4.0" };
   * await using podman = new PodmanClient({
   *   transport: {
   *     origin: "http://libpod",
   *     description: "a fake Podman",
   *     fetch: async (_url, init) =>
   *       init.method === "PUT"
   *         ? Response.json({ Id: "c".repeat(64) }, { headers })
   *         : Response.json({ schemaVersion: 2, manifests: [entry] }, { headers }),
   *     close: () => {},
   *   },
   * });
   * const list = podman.manifests.prepareModel("localhost/app:1", { manifests: [] });
   * await lastValueFrom(list.add(["containers-storage:localhost/app-arm64:1"], { arch: "arm64" }));
   * assert.deepEqual(list.platforms, ["linux/arm64"]);
   * assert.equal(list.id, "c".repeat(64));
   * ```
   */
  add(images: readonly (Image | string)[], options?: ManifestAddOptions): Operation<Manifest> {
    const added = addToManifest(this.#context.requester, this.name, images, options);
    return operationOf(
      () => added.action,
      added.pipe(concatMap((id) => this.#refresh(id, options))),
      lastEvent<Manifest>,
    );
  }

  /**
   * Removes one image from the list by its digest (or `name@digest`), then reloads it; the
   * image itself stays in local storage.
   *
   * @returns A cold Observable of this model, refreshed.
   *
   * @example
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   * import { lastValueFrom } from "rxjs";
   *
   * // Answers as Podman 5 does: the list's id for the change, then the list, now empty.
   * const headers = { "Libpod-API-Version": "5.4.0" };
   * await using podman = new PodmanClient({
   *   transport: {
   *     origin: "http://libpod",
   *     description: "a fake Podman",
   *     fetch: async (_url, init) =>
   *       init.method === "PUT"
   *         ? Response.json({ Id: "c".repeat(64) }, { headers })
   *         : Response.json({ schemaVersion: 2, manifests: null }, { headers }),
   *     close: () => {},
   *   },
   * });
   * const list = podman.manifests.prepareModel("localhost/app:1", {
   *   manifests: [{
   *     mediaType: "application/vnd.oci.image.manifest.v1+json",
   *     size: 495,
   *     digest: `sha256:${"1".repeat(64)}`,
   *     platform: { os: "linux", architecture: "arm64" },
   *   }],
   * });
   * await lastValueFrom(list.remove(list.manifests[0]!.digest));
   * assert.deepEqual(list.manifests, []);
   * ```
   */
  remove(digest: string, options?: OperationOptions): Operation<Manifest> {
    const removed = removeFromManifest(this.#context.requester, this.name, digest, options);
    return operationOf(
      () => removed.action,
      removed.pipe(concatMap((id) => this.#refresh(id, options))),
      lastEvent<Manifest>,
    );
  }

  /**
   * Pushes the list, with every image it lists unless `all: false`, to a registry.
   *
   * @returns A cold Observable of the server's status lines, then `pushed` with the digest of
   * the pushed list; see {@linkcode pushManifest}.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = new PodmanClient();
   * const list = await podman.manifests.promises.get("localhost/app:1");
   * list.push("127.0.0.1:5000/app:1", { tlsVerify: false }).subscribe(console.log);
   * ```
   */
  push(
    destination: string,
    options?: ManifestPushOptions,
  ): Operation<ManifestPushEvent, PushedEvent> {
    return pushManifest(this.#context.requester, this.name, destination, options);
  }

  /**
   * Reads the list again from the server and updates this model.
   *
   * @returns A cold Observable of this model, refreshed.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   * import { lastValueFrom } from "rxjs";
   *
   * await using podman = new PodmanClient();
   * const list = await lastValueFrom(podman.manifests.get("localhost/app:1"));
   * // ... an image added meanwhile, by this client or another:
   * console.log((await lastValueFrom(list.reload())).platforms);
   * ```
   */
  reload(options?: OperationOptions): Operation<Manifest> {
    return this.#refresh(undefined, options);
  }

  #refresh(id: string | undefined, options: OperationOptions | undefined): Operation<Manifest> {
    const fresh: ManifestsContext<ManifestAttrs> = {
      requester: this.#context.requester,
      toManifest: (_name, attrs) => attrs,
    };
    const action = `Cannot reload manifest list "${this.name}"`;
    const refreshed = inspectManifest(fresh, this.name, action, id, options).pipe(map((attrs) => {
      this.#attrs = attrs;
      if (id) this.#id = id;
      return this;
    }));
    return operationOf(action, refreshed, lastEvent<Manifest>);
  }
}
