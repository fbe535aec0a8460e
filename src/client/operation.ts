import { Observable } from "rxjs";
import { PodmanError } from "../errors.ts";
import { networkReason } from "./api_request.ts";

/** Per-call options every operation takes. */
export interface OperationOptions {
  /**
   * Milliseconds the operation may stay silent (no response, no new data) before it fails
   * with a {@linkcode PodmanError} and the request is aborted. A long pull or build that keeps
   * reporting progress never times out.
   * @default {undefined} no limit
   */
  timeout?: number;
}

/** What an operation's body gets: a way to emit, the abort signal, and a liveness tick. */
export interface OperationContext<T> {
  /** Emits a value to the subscriber. */
  emit(value: T): void;
  /** Aborted when the subscriber unsubscribes or the timeout fires. */
  signal: AbortSignal;
  /** Tells the idle timeout that data arrived. */
  alive(): void;
}

function validateTimeout(timeout: number | undefined): void {
  if (timeout === undefined) return;
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0) {
    throw new RangeError(
      `Cannot start operation: timeout must be a positive number, got ${timeout}`,
    );
  }
}

/**
 * A cold Observable around one request: nothing runs until subscribe, each subscription runs
 * `body` once with its own `AbortController`, and unsubscribing aborts it. Errors raised after
 * the subscriber left are dropped (the abort caused them).
 */
export function operation<T>(
  action: string,
  options: OperationOptions | undefined,
  body: (context: OperationContext<T>) => Promise<void>,
): Observable<T> {
  const timeout = options?.timeout;
  validateTimeout(timeout);
  return new Observable<T>((subscriber) => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    // Once the body has settled there is nothing left to abort; skipping the abort saves the
    // event dispatch on every short call.
    let settled = false;
    const alive = (): void => {
      if (timeout === undefined || controller.signal.aborted) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeout);
    };
    alive();
    body({ emit: (value) => subscriber.next(value), signal: controller.signal, alive }).then(
      () => {
        settled = true;
        clearTimeout(timer);
        subscriber.complete();
      },
      (error: unknown) => {
        settled = true;
        clearTimeout(timer);
        if (timedOut) {
          subscriber.error(
            new PodmanError(`${action}: no answer from Podman within ${timeout} ms`, {
              cause: error,
            }),
          );
        } else if (!subscriber.closed) {
          subscriber.error(asPodmanError(action, error));
        }
      },
    );
    return () => {
      clearTimeout(timer);
      if (!settled) controller.abort();
    };
  });
}

/**
 * Every failure of an operation reaches the subscriber as a {@linkcode PodmanError}: a body
 * that breaks off mid-stream (a `TypeError` from fetch) is wrapped, with the action named and
 * the original as `cause`.
 */
function asPodmanError(action: string, error: unknown): PodmanError {
  if (error instanceof PodmanError) return error;
  return new PodmanError(`${action}: ${networkReason(error)}`, { cause: error });
}
