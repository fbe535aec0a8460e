/** A status line of a pull or push (libpod `stream` lines, or Docker-style lines without a layer). */
export interface PullStatusEvent {
  /** Discriminant. */
  type: "status";
  /** The line, without its trailing newline. */
  message: string;
}

/**
 * Progress of one layer: from Docker-style lines (Podman 4.8 and later with `compatMode`) or
 * from Podman 6's byte progress (`pullProgress`), which also reports the image's config blob.
 */
export interface LayerProgressEvent {
  /** Discriminant. */
  type: "progress";
  /**
   * The layer as the server names it: the first 12 hex digits of its digest (Docker-style
   * lines), or its whole digest, `sha256:<64 hex>` (Podman 6 `pullProgress`).
   */
  id: string;
  /**
   * `Pulling fs layer`, `Downloading`, `Download complete`, `Already exists`, `Pushing`, ...
   * Podman 6's `pullProgress` statuses read as Docker's words: `pulling` as `Downloading`,
   * `success` as `Download complete` (with the bytes), `skipped` as `Already exists`.
   */
  status: string;
  /** Bytes done, when the server says. */
  current?: number;
  /** Bytes in all, when the server says. */
  total?: number;
}
