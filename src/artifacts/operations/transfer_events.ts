import type { LayerProgressEvent, PullStatusEvent } from "../../vocabulary/stream_events.ts";
import type { Artifact } from "../artifact.ts";

/** The last event of a successful artifact pull. */
export interface ArtifactPulledEvent {
  /** Discriminant. */
  type: "pulled";
  /** The artifact's name, as pulled. */
  name: string;
  /** Its digest, as the server reports it. */
  digest: string;
  /** The artifact as it now is in the store. */
  artifact: Artifact;
}

/** The last event of a successful artifact push. */
export interface ArtifactPushedEvent {
  /** Discriminant. */
  type: "pushed";
  /** Where the artifact went: its own name. */
  destination: string;
  /** Digest of the pushed manifest, as the server reports it. */
  digest: string;
}

/** The last event of a successful `add()`. */
export interface ArtifactAddedEvent {
  /** Discriminant. */
  type: "added";
  /** The artifact's name. */
  name: string;
  /** Its digest after the last file was added. */
  digest: string;
  /** The artifact as it now is in the store. */
  artifact: Artifact;
}

/**
 * What an artifact `pull()` emits: a status line when it starts, then, once the server has
 * the artifact, one `progress` event per file (`Download complete`, with its size), then
 * `pulled`. Podman's artifact endpoints answer once, when the transfer is over, so there are
 * no byte counts in between.
 */
export type ArtifactPullEvent = PullStatusEvent | LayerProgressEvent | ArtifactPulledEvent;

/**
 * What an artifact `push()` emits: a status line and one `progress` event per file
 * (`Preparing`, with its size) when it starts, one per file (`Pushed`) once the server is
 * done, then `pushed`. As with pulls, the server reports nothing in between.
 */
export type ArtifactPushEvent = PullStatusEvent | LayerProgressEvent | ArtifactPushedEvent;

/**
 * What `add()` emits: `progress` events per file while its bytes are uploaded (`Adding`,
 * bytes sent and, where known, the file's size, about every MiB), one `Added` per file the
 * server stored, then `added`.
 */
export type ArtifactAddEvent = LayerProgressEvent | ArtifactAddedEvent;

/**
 * One `progress` event per file of `artifact`, each with its size and `status`. A file goes by
 * its name, unique in an artifact (two files can have the same bytes, so the same digest),
 * or by its digest when it has no name.
 */
export function fileEvents(
  artifact: Artifact,
  status: string,
  done: boolean,
): LayerProgressEvent[] {
  return artifact.files.map((file) => ({
    type: "progress",
    id: file.title || file.digest,
    status,
    current: done ? file.size : 0,
    total: file.size,
  }));
}
