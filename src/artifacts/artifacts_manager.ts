import type { Operation } from "../async/operation.ts";
import { type AwaitTwins, awaitTwins } from "../async/twins.ts";
import type { OperationOptions } from "../client/operation.ts";
import type { LibpodClient } from "../client/libpod_client.ts";
import type { Requester } from "../client/requester.ts";
import { requiringVersion } from "../client/requiring_version.ts";
import type { Artifact } from "./artifact.ts";
import { addArtifact, type AddArtifactOptions, type ArtifactSource } from "./operations/add.ts";
import { artifactExists } from "./operations/exists.ts";
import {
  type ArtifactExtractedEvent,
  type ArtifactExtractEvent,
  extractArtifact,
  extractArtifactFile,
  type ExtractArtifactOptions,
  type ExtractFileOptions,
} from "./operations/extract.ts";
import { getArtifact } from "./operations/get.ts";
import { listArtifacts } from "./operations/list.ts";
import { pullArtifact } from "./operations/pull.ts";
import { pushArtifact } from "./operations/push.ts";
import {
  type ArtifactsToRemove,
  type RemoveArtifactOptions,
  removeArtifacts,
} from "./operations/remove.ts";
import type { ArtifactTransferOptions } from "./operations/_transfer_options.ts";
import type {
  ArtifactAddEvent,
  ArtifactPullEvent,
  ArtifactPushedEvent,
  ArtifactPushEvent,
} from "./operations/transfer_events.ts";

/**
 * The OCI artifact operations of one Podman service (Podman 5.6 and later): files of any
 * kind (model weights, configuration, charts) stored, pushed and pulled through the same
 * registries as images, as `podman artifact` does. Each operation is a cold Observable:
 * nothing is sent until subscribe, unsubscribing aborts. On an older server every operation
 * errors with a `PodmanError` naming the version needed, before anything is sent.
 *
 * @example Adding, pushing and removing an artifact
 * ```ts check-only
 * import { PodmanClient } from "@podrx/podrx";
 * import { lastValueFrom } from "rxjs";
 *
 * await using podman = new PodmanClient();
 * await lastValueFrom(podman.artifacts.add("localhost:5000/ai/model:1", ["./weights.bin"]));
 * await lastValueFrom(podman.artifacts.push("localhost:5000/ai/model:1", { tlsVerify: false }));
 * await lastValueFrom(podman.artifacts.remove("localhost:5000/ai/model:1"));
 * ```
 */
export class ArtifactsManager {
  #promises: AwaitTwins<ArtifactsManager> | undefined;
  /** The client whose service this manager talks to. */
  readonly client: LibpodClient;
  readonly #requester: Requester;

  /**
   * Creates the manager; `PodmanClient` makes one as `client.artifacts`.
   *
   * @ignore
   */
  constructor(client: LibpodClient) {
    this.client = client;
    this.#requester = requiringVersion(client, 5, 6, "the artifacts API");
  }
  /**
   * The same operations as promises: each takes the same arguments (with `onProgress` among
   * the options) and resolves to the operation's result.
   */
  get promises(): AwaitTwins<ArtifactsManager> {
    return (this.#promises ??= awaitTwins<ArtifactsManager>(this));
  }

  /**
   * Makes an artifact of files, or adds files to one (`append`). Emits upload progress per
   * file, then `added` with the artifact.
   */
  add(
    name: string,
    sources: ArtifactSource | readonly ArtifactSource[],
    options?: AddArtifactOptions,
  ): Operation<ArtifactAddEvent, Artifact> {
    return addArtifact(this.#requester, name, sources, options);
  }

  /** Every artifact in the store, as one array. */
  list(options?: OperationOptions): Operation<Artifact[]> {
    return listArtifacts(this.#requester, options);
  }

  /** One artifact, by name or digest; errors with `NotFound` when there is none. */
  get(name: string, options?: OperationOptions): Operation<Artifact> {
    return getArtifact(this.#requester, name, options);
  }

  /** Whether an artifact is in the store: `true` or `false`, any other answer an error. */
  exists(name: string, options?: OperationOptions): Operation<boolean> {
    return artifactExists(this.#requester, name, options);
  }

  /** Removes one artifact, several, or `{ all: true }`; emits the removed digests. */
  remove(target: ArtifactsToRemove, options?: RemoveArtifactOptions): Operation<string[]> {
    return removeArtifacts(this.#requester, target, options);
  }

  /** Pulls an artifact from its registry; ends with `pulled` and the artifact. */
  pull(name: string, options?: ArtifactTransferOptions): Operation<ArtifactPullEvent, Artifact> {
    return pullArtifact(this.#requester, name, options);
  }

  /** Pushes an artifact to the registry its name points to; ends with `pushed`. */
  push(
    artifact: string | Artifact,
    options?: ArtifactTransferOptions,
  ): Operation<ArtifactPushEvent, ArtifactPushedEvent> {
    return pushArtifact(this.#requester, artifact, options);
  }

  /**
   * Writes the artifact's files (or the one `title` or `digest` selects) into a directory,
   * each under its name; emits write progress per file, then `extracted`.
   */
  extract(
    artifact: string | Artifact,
    target: string | URL,
    options?: ExtractArtifactOptions,
  ): Operation<ArtifactExtractEvent, ArtifactExtractedEvent> {
    return extractArtifact(this.#requester, artifact, target, options);
  }

  /** The bytes of one file of the artifact (by `title` or `digest`), as they arrive. */
  extractFile(
    artifact: string | Artifact,
    options: ExtractFileOptions,
  ): Operation<Uint8Array, Uint8Array> {
    return extractArtifactFile(this.#requester, artifact, options);
  }
}
