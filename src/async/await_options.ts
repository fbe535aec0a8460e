/** What every await-style call takes besides its operation's own options. */
export interface AwaitOptions<E = never> {
  /** Aborts the operation: the request is aborted and the promise rejects with the reason. */
  signal?: AbortSignal;
  /** Called with every event the operation emits, as it arrives (progress, log lines). */
  onProgress?: (event: E) => void;
}
