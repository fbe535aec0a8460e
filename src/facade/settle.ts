import type { Observable, Subscription } from "rxjs";

/** What every await-style call takes besides its operation's own options. */
export interface AwaitOptions<E = never> {
  /** Aborts the operation: the request is aborted and the promise rejects with the reason. */
  signal?: AbortSignal;
  /** Called with every event the operation emits, as it arrives (progress, log lines). */
  onProgress?: (event: E) => void;
}

/**
 * Runs a cold Observable to its end and resolves with what `pick` makes of the values it
 * emitted. Aborting `signal` unsubscribes (which aborts the request) and rejects with the
 * signal's reason.
 */
export function settle<T, R>(
  source: Observable<T>,
  signal: AbortSignal | undefined,
  onValue: (value: T) => void,
  result: () => R,
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    // deno-lint-ignore prefer-const -- the callbacks below need the name before subscribe returns
    let subscription: Subscription | undefined;
    const onAbort = (): void => {
      subscription?.unsubscribe();
      reject(signal!.reason);
    };
    subscription = source.subscribe({
      next: (value) => {
        try {
          onValue(value);
        } catch (error) {
          // A throwing progress callback ends the operation rather than being lost.
          signal?.removeEventListener("abort", onAbort);
          subscription?.unsubscribe();
          reject(error);
        }
      },
      error: (error: unknown) => {
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      },
      complete: () => {
        signal?.removeEventListener("abort", onAbort);
        try {
          resolve(result());
        } catch (error) {
          reject(error);
        }
      },
    });
    if (!subscription.closed) signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Resolves with the last value an Observable emits. */
export function lastOf<T>(source: Observable<T>, signal: AbortSignal | undefined): Promise<T> {
  let last: { value: T } | undefined;
  return settle(source, signal, (value) => (last = { value }), () => {
    if (!last) throw new Error("The operation completed without a result");
    return last.value;
  });
}
