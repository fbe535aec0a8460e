import type { Requester } from "../../client/requester.ts";
import type { ImageAttrs } from "../../vocabulary/reports.ts";

/**
 * What the image operations need of the layers around them: a way to send requests, and a
 * way to make the model of an image from its attributes. Operations are generic over that
 * model (`M`), so they never reach up to the manager or the model's class; the manager binds
 * them with `Image`.
 */
export interface ImagesContext<M> {
  /** Sends the requests. */
  readonly requester: Requester;
  /**
   * Makes the model of an image from its inspect or list attributes; `name` is how the
   * caller named it (the name passed to `get`, the reference pulled or built), when known.
   */
  readonly toImage: (attrs: ImageAttrs, name?: string) => M;
}

/** What an operation on one image needs to know of it (an `Image` is one). */
export interface ImageRef {
  /** The full id. */
  readonly id: string;
  /**
   * How the caller named it, for messages: the name passed to `get`, the reference pulled or
   * built, else its first tag, else its short id.
   */
  readonly name: string;
  /** Its tags. */
  readonly tags: readonly string[];
}
