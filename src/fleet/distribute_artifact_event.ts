import type { Artifact } from "../artifacts/artifact.ts";
import type {
  ArtifactPullEvent,
  ArtifactPushEvent,
} from "../artifacts/operations/transfer_events.ts";

/**
 * What `fleet.artifacts.distribute` emits for one host: the source's push events, each other
 * host's pull events.
 */
export type DistributeArtifactEvent = ArtifactPushEvent | ArtifactPullEvent;

/** Where the artifact is on a host once distributed. */
export interface DistributedArtifact {
  /** The artifact's digest on this host, the same as the source's. */
  readonly digest: string;
  /** The artifact as this host has it (the source's: as it was looked up before the push). */
  readonly artifact: Artifact;
}
