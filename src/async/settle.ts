import { from, type Observable, type Subscription } from "rxjs";
import { PodmanError } from "../errors.ts";

/**
 * Runs a cold Observable to its end and resolves with what `result` makes of the values it
 * saw. Aborting `signal` unsubscribes (which aborts the request behind it) and rejects with
 * the signal's reason; no listener stays on the signal once the promise settled. A throwing
 * `onValue` ends the run and rejects with what it threw.
 *
 * This is the one way podrx waits on an Observable: the await facade (whose caller's signal
 * is the operation's own `signal` option, handled by the operation), the inspect after a
 * pull, load or build, and a connection under a caller's signal.
 */
export function settle<T, R>(
  source: Observable<T>,
  onValue: (value: T) => void,
  result: () => R,
  signal?: AbortSignal,
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
    // A value emitted during subscribe() can fail before `subscription` exists; then the
    // source is unsubscribed as soon as subscribe() returns.
    let failed = false;
    subscription = source.subscribe({
      next: (value) => {
        if (failed) return;
        try {
          onValue(value);
        } catch (error) {
          failed = true;
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
    if (failed) subscription.unsubscribe();
    else if (!subscription.closed) signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Resolves with the last value an Observable emits; rejects when it completes empty, errors,
 * or `signal` aborts (see {@linkcode settle}).
 */
export function lastOf<T>(source: Observable<T>, signal?: AbortSignal): Promise<T> {
  let last: { value: T } | undefined;
  return settle(source, (value) => (last = { value }), () => {
    if (!last) throw new PodmanError("The operation completed without a result");
    return last.value;
  }, signal);
}

/** A promise that also rejects with the signal's reason once `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return lastOf(from(promise), signal);
}
