/**
 * What every await-style call takes besides its operation's own options (which include
 * `signal` and `timeout`, the same options as the Observable's: one signal, not two).
 */
export interface AwaitOptions<E = never> {
  /** Called with every event the operation emits, as it arrives (progress, log lines). */
  onProgress?: (event: E) => void;
}
