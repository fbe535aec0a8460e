import type { Observable } from "rxjs";
import type { AwaitOptions } from "../async/await_options.ts";
import { lastOf, settle } from "../async/settle.ts";
import type { TwinsOf } from "../async/twins.ts";
import type { OperationOptions } from "../client/operation.ts";
import type { Artifact } from "../artifacts/artifact.ts";
import type { ArtifactsManager } from "../artifacts/artifacts_manager.ts";
import type { AddArtifactOptions, ArtifactSource } from "../artifacts/operations/add.ts";
import type {
  ArtifactExtractedEvent,
  ArtifactExtractEvent,
  ExtractArtifactOptions,
  ExtractFileOptions,
} from "../artifacts/operations/extract.ts";
import type { ArtifactsToRemove, RemoveArtifactOptions } from "../artifacts/operations/remove.ts";
import type { ArtifactTransferOptions } from "../artifacts/operations/_transfer_options.ts";
import type {
  ArtifactAddEvent,
  ArtifactPullEvent,
  ArtifactPushedEvent,
  ArtifactPushEvent,
} from "../artifacts/operations/transfer_events.ts";
import { PodmanError } from "../errors.ts";
import { joinChunks } from "../streams/_join_chunks.ts";

/**
 * The result of a stream of events: what `pick` makes of its final event, every event passed
 * to `onProgress` on the way.
 */
function resultOf<E, R>(
  events: Observable<E>,
  onProgress: ((event: E) => void) | undefined,
  pick: (event: E) => R | undefined,
): Promise<R> {
  let result: R | undefined;
  return settle(events, (event) => {
    onProgress?.(event);
    result = pick(event) ?? result;
  }, () => {
    if (result === undefined) throw new PodmanError("The operation completed without a result");
    return result;
  });
}

/**
 * The artifact operations as promises; each method has the name and options of its
 * {@linkcode ArtifactsManager} twin, plus `signal`, and `onProgress` for those that report
 * progress. Get it as `client.artifacts.promises`.
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
  add(
    name: string,
    sources: ArtifactSource | readonly ArtifactSource[],
    options: AddArtifactOptions & AwaitOptions<ArtifactAddEvent> = {},
  ): Promise<Artifact> {
    return resultOf(
      this.#artifacts.add(name, sources, options),
      options.onProgress,
      (event) => event.type === "added" ? event.artifact : undefined,
    );
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
  pull(
    name: string,
    options: ArtifactTransferOptions & AwaitOptions<ArtifactPullEvent> = {},
  ): Promise<Artifact> {
    return resultOf(
      this.#artifacts.pull(name, options),
      options.onProgress,
      (event) => event.type === "pulled" ? event.artifact : undefined,
    );
  }

  /** `push()` as a promise of the `pushed` event (where it went, and the digest). */
  push(
    artifact: string | Artifact,
    options: ArtifactTransferOptions & AwaitOptions<ArtifactPushEvent> = {},
  ): Promise<ArtifactPushedEvent> {
    return resultOf(
      this.#artifacts.push(artifact, options),
      options.onProgress,
      (event) => event.type === "pushed" ? event : undefined,
    );
  }

  /** `extract()` as a promise of the `extracted` event (every file written, and where). */
  extract(
    artifact: string | Artifact,
    target: string | URL,
    options: ExtractArtifactOptions & AwaitOptions<ArtifactExtractEvent> = {},
  ): Promise<ArtifactExtractedEvent> {
    return resultOf(
      this.#artifacts.extract(artifact, target, options),
      options.onProgress,
      (event) => event.type === "extracted" ? event : undefined,
    );
  }

  /**
   * `extractFile()` as a promise of the whole file in memory; `onProgress` sees each chunk.
   * For big files prefer `extract()`, which keeps memory flat.
   */
  extractFile(
    artifact: string | Artifact,
    options: ExtractFileOptions & AwaitOptions<Uint8Array>,
  ): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    return settle(this.#artifacts.extractFile(artifact, options), (chunk) => {
      options.onProgress?.(chunk);
      chunks.push(chunk);
    }, () => joinChunks(chunks));
  }
}

true satisfies TwinsOf<ArtifactsManager, AwaitableArtifacts>;
