import { ArtifactsManager } from "../artifacts/artifacts_manager.ts";
import { AwaitableArtifacts } from "./awaitable_artifacts.ts";

/**
 * What `client.artifacts` is: the {@linkcode ArtifactsManager} of a client, every operation
 * as a cold Observable, with the same operations as promises under `promises`.
 *
 * @example
 * ```ts ignore
 * const artifacts = await podman.artifacts.promises.list();
 * ```
 */
export class Artifacts extends ArtifactsManager {
  #promises: AwaitableArtifacts | undefined;

  /**
   * The same operations as promises.
   *
   * @example
   * ```ts ignore
   * const artifact = await podman.artifacts.promises.get("localhost/ai/model:1");
   * ```
   */
  get promises(): AwaitableArtifacts {
    return (this.#promises ??= new AwaitableArtifacts(this));
  }
}
