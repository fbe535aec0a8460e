import type { AwaitOptions } from "../async/await_options.ts";
import { lastOf } from "../async/settle.ts";
import type { TwinsOf } from "../async/twins.ts";
import type { OperationOptions } from "../client/operation.ts";
import type { Artifact } from "../artifacts/artifact.ts";
import type { ArtifactsManager } from "../artifacts/artifacts_manager.ts";
import type { AddArtifactOptions, ArtifactSource } from "../artifacts/operations/add.ts";
import type { ArtifactsToRemove, RemoveArtifactOptions } from "../artifacts/operations/remove.ts";
import type { ArtifactTransferOptions } from "../artifacts/operations/_transfer_options.ts";
import type { ArtifactPushedEvent } from "../artifacts/operations/transfer_events.ts";

/**
 * The artifact operations as promises; each method has the name and options of its
 * {@linkcode ArtifactsManager} twin, plus `signal`. Get it as `client.artifacts.promises`.
 *
 * @example
 * ```ts ignore
 * const artifact = await podman.artifacts.promises.add("localhost/ai/model:1", ["./weights.bin"]);
 * console.log(artifact.digest, artifact.files.length);
 * ```
 */
export class AwaitableArtifacts {
  readonly #artifacts: ArtifactsManager;

  /** Wraps a manager; use `client.artifacts.promises`. */
  constructor(artifacts: ArtifactsManager) {
    this.#artifacts = artifacts;
  }

  /** `add()` as a promise of the artifact, once every file is in. */
  async add(
    name: string,
    sources: ArtifactSource | readonly ArtifactSource[],
    options: AddArtifactOptions & AwaitOptions = {},
  ): Promise<Artifact> {
    const last = await lastOf(this.#artifacts.add(name, sources, options));
    return (last as { artifact: Artifact }).artifact;
  }

  /** `list()` as a promise of the artifacts. */
  list(options: OperationOptions & AwaitOptions = {}): Promise<Artifact[]> {
    return lastOf(this.#artifacts.list(options));
  }

  /** `get()` as a promise of the artifact. */
  get(name: string, options: OperationOptions & AwaitOptions = {}): Promise<Artifact> {
    return lastOf(this.#artifacts.get(name, options));
  }

  /** `exists()` as a promise of `true` or `false`. */
  exists(name: string, options: OperationOptions & AwaitOptions = {}): Promise<boolean> {
    return lastOf(this.#artifacts.exists(name, options));
  }

  /** `remove()` as a promise of the removed digests. */
  remove(
    target: ArtifactsToRemove,
    options: RemoveArtifactOptions & AwaitOptions = {},
  ): Promise<string[]> {
    return lastOf(this.#artifacts.remove(target, options));
  }

  /** `pull()` as a promise of the pulled artifact. */
  async pull(
    name: string,
    options: ArtifactTransferOptions & AwaitOptions = {},
  ): Promise<Artifact> {
    const last = await lastOf(this.#artifacts.pull(name, options));
    return (last as { artifact: Artifact }).artifact;
  }

  /** `push()` as a promise of the `pushed` event (where it went, and the digest). */
  async push(
    artifact: string | Artifact,
    options: ArtifactTransferOptions & AwaitOptions = {},
  ): Promise<ArtifactPushedEvent> {
    return await lastOf(this.#artifacts.push(artifact, options)) as ArtifactPushedEvent;
  }
}

true satisfies TwinsOf<ArtifactsManager, AwaitableArtifacts>;
