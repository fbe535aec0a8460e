/** Where one layer stands, as the last progress event for it said. */
export interface LayerState {
  /** Last status, e.g. `Downloading`, `Download complete`, `Already exists`. */
  readonly status: string;
  /** Bytes done so far; 0 until the server says. */
  readonly current: number;
  /** Size of the layer in bytes, once the server said. */
  readonly total: number | undefined;
  /** True once a finishing status arrived; it stays true (e.g. through `Extracting`). */
  readonly done: boolean;
}
