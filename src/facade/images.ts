import { ImagesManager } from "../images/images_manager.ts";
import { AwaitableImages } from "./awaitable_images.ts";

/**
 * What `client.images` is: the {@linkcode ImagesManager} of a client, every operation as a
 * cold Observable, with the same operations as promises under `promises`. It lives above the
 * manager so that the manager never reaches up to the await style.
 *
 * @example Both styles on one manager
 * ```ts ignore
 * import { PodmanClient } from "@podrx/podrx";
 * import { lastValueFrom } from "rxjs";
 *
 * await using podman = new PodmanClient();
 * const a = await lastValueFrom(podman.images.get("busybox"));
 * const b = await podman.images.promises.get("busybox");
 * console.log(a.id === b.id);
 * ```
 */
export class Images extends ImagesManager {
  #promises: AwaitableImages | undefined;

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
}
