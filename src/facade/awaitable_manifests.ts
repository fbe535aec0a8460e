import type { AwaitOptions } from "../async/await_options.ts";
import { lastOf } from "../async/settle.ts";
import type { TwinsOf } from "../async/twins.ts";
import type { OperationOptions } from "../client/operation.ts";
import type { RemoveReport } from "../vocabulary/reports.ts";
import type { Manifest } from "../manifests/manifest.ts";
import type { ManifestsManager } from "../manifests/manifests_manager.ts";
import type { CreateManifestOptions } from "../manifests/operations/create.ts";

/**
 * The manifest-list operations as promises; each method has the name and options of its
 * {@linkcode ManifestsManager} twin, plus `signal`. Get it as `client.manifests.promises`.
 *
 * @example
 * ```ts ignore
 * const list = await podman.manifests.promises.create("localhost/app:1");
 * await podman.manifests.promises.remove(list);
 * ```
 */
export class AwaitableManifests {
  readonly #manifests: ManifestsManager;

  /** Wraps a manager; use `client.manifests.promises`. */
  constructor(manifests: ManifestsManager) {
    this.#manifests = manifests;
  }

  /** `create()` as a promise of the new list. */
  create(name: string, options: CreateManifestOptions & AwaitOptions = {}): Promise<Manifest> {
    return lastOf(this.#manifests.create(name, options));
  }

  /** `exists()` as a promise of `true` or `false`. */
  exists(name: string, options: OperationOptions & AwaitOptions = {}): Promise<boolean> {
    return lastOf(this.#manifests.exists(name, options));
  }

  /** `get()` as a promise of the list. */
  get(name: string, options: OperationOptions & AwaitOptions = {}): Promise<Manifest> {
    return lastOf(this.#manifests.get(name, options));
  }

  /** `remove()` as a promise of the report. */
  remove(
    manifest: Manifest | string,
    options: OperationOptions & AwaitOptions = {},
  ): Promise<RemoveReport> {
    return lastOf(this.#manifests.remove(manifest, options));
  }
}

true satisfies TwinsOf<ManifestsManager, AwaitableManifests>;
