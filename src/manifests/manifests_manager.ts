import type { Operation } from "../async/operation.ts";
import { type AwaitTwins, awaitTwins } from "../async/twins.ts";
import type { OperationOptions } from "../client/operation.ts";
import type { LibpodClient } from "../client/libpod_client.ts";
import type { RemoveReport } from "../vocabulary/reports.ts";
import { Manifest } from "./manifest.ts";
import { createManifest, type CreateManifestOptions } from "./operations/create.ts";
import { manifestExists } from "./operations/exists.ts";
import { getManifest } from "./operations/get.ts";
import type { ManifestAttrs } from "../vocabulary/manifest_attrs.ts";
import type { ManifestsContext } from "./operations/manifests_context.ts";
import { removeManifest } from "./operations/remove.ts";

/**
 * The manifest-list operations of one Podman service, named after podman-py's
 * `ManifestsManager`: `create`, `exists`, `get` and `remove`, each a cold Observable (nothing
 * is sent until subscribe, unsubscribing aborts). There is no `list`: Podman has no endpoint
 * that lists manifest lists (podman-py raises `NotImplementedError`).
 *
 * @example Creating, checking and removing a list
 * ```ts
 * import { PodmanClient } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 * import { lastValueFrom } from "rxjs";
 *
 * // Answers as Podman 5 does; leave `transport` out to use your own service.
 * const id = "c".repeat(64);
 * const report = { Deleted: [id], Untagged: ["localhost/app:1"], Errors: [], ExitCode: 0 };
 * const headers = { "Libpod-API-Version": "5.4.0" };
 * await using podman = new PodmanClient({
 *   transport: {
 *     origin: "http://libpod",
 *     description: "a fake Podman",
 *     fetch: async (url, init) => {
 *       const { pathname } = new URL(url);
 *       if (pathname === "/_ping") return new Response("OK", { headers });
 *       if (init.method === "POST") return Response.json({ Id: id }, { headers });
 *       if (init.method === "DELETE") return Response.json(report, { headers });
 *       if (pathname.endsWith("/exists")) return new Response(null, { status: 204, headers });
 *       return Response.json({ schemaVersion: 2, manifests: null }, { headers });
 *     },
 *     close: () => {},
 *   },
 * });
 * const list = await lastValueFrom(podman.manifests.create("localhost/app:1"));
 * assert.equal(list.id, id);
 * assert.equal(await lastValueFrom(podman.manifests.exists(list.name)), true);
 * assert.deepEqual((await lastValueFrom(podman.manifests.remove(list))).deleted, [id]);
 * ```
 */
export class ManifestsManager {
  /** The client whose service this manager talks to. */
  readonly client: LibpodClient;
  readonly #context: ManifestsContext<Manifest>;
  #promises: AwaitTwins<ManifestsManager> | undefined;

  /**
   * Creates the manager; `PodmanClient` makes one as `client.manifests`.
   *
   * @ignore
   */
  constructor(client: LibpodClient) {
    this.client = client;
    const context: ManifestsContext<Manifest> = {
      requester: client,
      toManifest: (name, attrs, id) => new Manifest(name, attrs, context, id),
    };
    this.#context = context;
  }

  /**
   * The same operations as promises: each takes the same arguments (with `onProgress` among
   * the options) and resolves to the operation's result.
   *
   * @example
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = new PodmanClient();
   * const list = await podman.manifests.promises.create("localhost/app:1");
   * console.log(list.manifests.length);
   * ```
   */
  get promises(): AwaitTwins<ManifestsManager> {
    return (this.#promises ??= awaitTwins<ManifestsManager>(this));
  }

  /** The model class made by {@linkcode ManifestsManager.prepareModel}. */
  get resource(): typeof Manifest {
    return Manifest;
  }

  /**
   * Makes a {@linkcode Manifest} from a name and inspect attributes.
   *
   * @example
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * const podman = new PodmanClient({ baseUrl: "unix:///run/podman/podman.sock" });
   * const list = podman.manifests.prepareModel("localhost/app:1", {
   *   manifests: [{
   *     mediaType: "application/vnd.oci.image.manifest.v1+json",
   *     size: 495,
   *     digest: "sha256:" + "1".repeat(64),
   *     platform: { os: "linux", architecture: "arm64" },
   *   }],
   * });
   * assert.deepEqual(list.platforms, ["linux/arm64"]);
   * await podman.close();
   * ```
   */
  prepareModel(name: string, attrs: ManifestAttrs, id?: string): Manifest {
    return this.#context.toManifest(name, attrs, id);
  }

  /** Creates a manifest list, optionally with images; emits its model. */
  create(name: string, options?: CreateManifestOptions): Operation<Manifest> {
    return createManifest(this.#context, name, options);
  }

  /** Tells whether a manifest list exists locally: `true` or `false`, any other answer an error. */
  exists(name: string, options?: OperationOptions): Operation<boolean> {
    return manifestExists(this.client, name, options);
  }

  /** Inspects a manifest list by name or id; errors with `NotFound` when there is none. */
  get(name: string, options?: OperationOptions): Operation<Manifest> {
    return getManifest(this.#context, name, options);
  }

  /** Removes a manifest list (the images it lists stay). */
  remove(manifest: Manifest | string, options?: OperationOptions): Operation<RemoveReport> {
    return removeManifest(this.client, manifest, options);
  }
}
