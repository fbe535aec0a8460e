import { ManifestsManager } from "../manifests/manifests_manager.ts";
import { AwaitableManifests } from "./awaitable_manifests.ts";

/**
 * What `client.manifests` is: the {@linkcode ManifestsManager} of a client, every operation
 * as a cold Observable, with the same operations as promises under `promises`.
 *
 * @example
 * ```ts ignore
 * const exists = await podman.manifests.promises.exists("localhost/app:1");
 * ```
 */
export class Manifests extends ManifestsManager {
  #promises: AwaitableManifests | undefined;

  /**
   * The same operations as promises.
   *
   * @example
   * ```ts ignore
   * const list = await podman.manifests.promises.get("localhost/app:1");
   * ```
   */
  get promises(): AwaitableManifests {
    return (this.#promises ??= new AwaitableManifests(this));
  }
}
