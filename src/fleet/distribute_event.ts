import type { Image } from "../images/image.ts";
import type { PullEvent } from "../images/image_events.ts";
import type { PushEvent } from "../images/operations/push_events.ts";

/** Bytes of the archive so far: read from the source, or taken by a host. */
export interface SentEvent {
  /** Discriminant. */
  readonly type: "sent";
  /** Bytes so far. */
  readonly bytes: number;
}

/** The source's archive was read to its end, or cut short (stream route). */
export interface SavedEvent {
  /** Discriminant. */
  readonly type: "saved";
  /** Bytes read. */
  readonly bytes: number;
  /** False when every host stopped reading before the end. */
  readonly whole: boolean;
}

/** A host loaded the archive (stream route). */
export interface LoadedEvent {
  /** Discriminant. */
  readonly type: "loaded";
  /** The image the host now has. */
  readonly image: Image;
}

/**
 * What {@linkcode Fleet.distribute} emits for one host: the stream route's `sent`, `saved`
 * and `loaded`; the registry route's push events (source) and pull events (the others).
 */
export type DistributeEvent = SentEvent | SavedEvent | LoadedEvent | PushEvent | PullEvent;

/** Where the image is on a host once distributed. */
export interface DistributedImage {
  /** The image id as this host wrote it, one with the source's (`sha256:x` and `x` are one). */
  readonly id: string;
  /** The image on that host. */
  readonly image: Image;
}
