import type { PullStatusEvent } from "../../vocabulary/stream_events.ts";

/** The last event of a successful push (of one tag, with `allTags`). */
export interface PushedEvent {
  /** Discriminant. */
  type: "pushed";
  /** Where the image went. */
  destination: string;
  /** Digest of the pushed manifest, where the server reports it (Podman 5 streams it). */
  digest?: string;
  /** The tag this event belongs to, on the events of an `allTags` push (absent otherwise). */
  tag?: string;
}

/** A status line of a push, as the server wrote it. */
export interface PushStatusEvent extends PullStatusEvent {
  /** The tag this event belongs to, on the events of an `allTags` push (absent otherwise). */
  tag?: string;
}

/**
 * What `push()` emits: the server's status lines (Podman 5 streams them; Podman 4.3 says
 * nothing until done), then `pushed`. Push reports no per-layer progress on either version.
 * With `allTags`, the events of every tag in turn, each naming its `tag`.
 */
export type PushEvent = PushStatusEvent | PushedEvent;
