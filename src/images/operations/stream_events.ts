/** A status line of a pull or push (libpod `stream` lines, or Docker-style lines without a layer). */
export interface PullStatusEvent {
  /** Discriminant. */
  type: "status";
  /** The line, without its trailing newline. */
  message: string;
}

/** Progress of one layer (Docker-style lines; Podman 4.8 and later with `compatMode`). */
export interface LayerProgressEvent {
  /** Discriminant. */
  type: "progress";
  /** Short id of the layer. */
  id: string;
  /** `Pulling fs layer`, `Downloading`, `Download complete`, `Already exists`, `Pushing`, ... */
  status: string;
  /** Bytes done, when the server says. */
  current?: number;
  /** Bytes in all, when the server says. */
  total?: number;
}
