import type { Subscriber, TeardownLogic } from "rxjs";
import { lastEvent, Operation } from "../async/operation.ts";
import { PodmanError, TimeoutError } from "../errors.ts";
import { isConnectionFailure } from "../transport/_connection_failure.ts";
import { brokenConnectionError } from "./api_request.ts";
import { abortOnClose } from "./_abort_on_close.ts";

/** Per-call options every operation takes. */
export interface OperationOptions {
  /**
   * Milliseconds the operation may stay silent (no response, no new data) before it fails
   * with a {@linkcode TimeoutError} and the request is aborted. A long pull or build that keeps
   * reporting progress never times out.
   * @default {undefined} no limit
   */
  timeout?: number;
  /**
   * Aborts the operation as unsubscribing does: the request is aborted, and the subscriber
   * (or the await twin's promise) gets the signal's reason as its error. An already aborted
   * signal fails the operation on subscribe, before anything is sent.
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** What an operation's body gets: a way to emit, the abort signal, and a liveness tick. */
export interface OperationContext<T> {
  /** The operation's action, worded once on subscribe: the words its errors start with. */
  action: string;
  /** Emits a value to the subscriber. */
  emit(value: T): void;
  /** Aborted when the subscriber unsubscribes, the caller's signal aborts or the timeout fires. */
  signal: AbortSignal;
  /** Tells the idle timeout that data arrived. */
  alive(): void;
  /**
   * Stops the idle timeout while the operation waits on purpose (a retry's backoff), when
   * the silence is its own and not the server's; the next `alive()` starts it again.
   */
  pauseTimeout(): void;
}

/**
 * Checks the options every operation shares: an object (or nothing), a positive `timeout`, an
 * `AbortSignal`. Run on subscribe, like every argument check.
 *
 * @throws {TypeError} For a wrong type.
 * @throws {RangeError} For a timeout that is not a positive finite number.
 */
export function checkOperationOptions(options: unknown, action: string): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${action}: options must be an object, got ${describe(options)}`);
  }
  const { timeout, signal } = options as OperationOptions;
  if (timeout !== undefined) {
    if (typeof timeout !== "number") {
      throw new TypeError(`${action}: timeout must be a number, got ${describe(timeout)}`);
    }
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new RangeError(`${action}: timeout must be a positive number, got ${timeout}`);
    }
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${action}: signal must be an AbortSignal, got ${describe(signal)}`);
  }
}

/** A value's kind for a message: `null`, `string "x"`, `number 3`, `object`. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `string "${value}"`;
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${value}`;
  return typeof value;
}

/**
 * A cold Observable around one request: nothing runs until subscribe, each subscription runs
 * `body` once with its own `AbortController`, and unsubscribing (or aborting the caller's
 * `signal`) aborts it. Errors raised after the subscriber left are dropped (the abort caused
 * them).
 *
 * Every operation goes through here, so the contract is written once: the shared options are
 * checked on subscribe (a bad one is the error notification, nothing is sent); an aborted
 * caller's signal errors with its reason and no listener stays on it once the operation ended;
 * an idle `timeout` errors with {@linkcode TimeoutError}; a connection that breaks mid-body
 * with {@linkcode ConnectionError}. Operations check their own arguments on subscribe too, so
 * calling an operation never throws: a `body` that throws before it returns its promise (an
 * argument it checks, a request it could not build) errors the subscriber with that error as
 * it is, as `defer` would. `action` may be a function, called once on subscribe (or when
 * `Operation.action` is read), for words that read a model. `peer` names who stayed silent in
 * the timeout's message: Podman, or a registry podrx talks to itself.
 */
export function operation<T>(
  action: string | (() => string),
  options: OperationOptions | undefined,
  body: (context: OperationContext<T>) => Promise<void>,
  peer = "Podman",
): Operation<T> {
  return new Operation<T, T>(
    action,
    (subscriber) => subscribeOperation(subscriber, action, options, body, peer),
    lastEvent,
  );
}

// The timeout's hooks when there is no timeout: made once, not per call.
const noTimeout = (): void => {};

/** One subscription of an {@linkcode operation}. */
function subscribeOperation<T>(
  subscriber: Subscriber<T>,
  wording: string | (() => string),
  options: OperationOptions | undefined,
  body: (context: OperationContext<T>) => Promise<void>,
  peer: string,
): TeardownLogic {
  let action: string;
  try {
    action = typeof wording === "string" ? wording : wording();
    checkOperationOptions(options, action);
  } catch (error) {
    subscriber.error(error);
    return;
  }
  const timeout = options?.timeout;
  const callerSignal = options?.signal;
  if (callerSignal?.aborted) {
    subscriber.error(callerSignal.reason);
    return;
  }
  const controller = new AbortController();
  // The client aborts this controller itself if it closes mid-request (see abortOnClose).
  const signal = abortOnClose(controller);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  // Once the body has settled there is nothing left to abort; skipping the abort saves the
  // event dispatch on every short call.
  let settled = false;
  const stopTimer = (): void => {
    if (timer !== undefined) clearTimeout(timer);
  };
  // The teardown below aborts the request and removes this listener.
  const onCallerAbort = callerSignal && ((): void => subscriber.error(callerSignal.reason));
  if (onCallerAbort) callerSignal!.addEventListener("abort", onCallerAbort, { once: true });
  const teardown = (): void => {
    stopTimer();
    if (onCallerAbort) callerSignal!.removeEventListener("abort", onCallerAbort);
    if (!settled) controller.abort();
  };
  // Without a timeout the hooks do nothing: a short call makes no timer and no closures.
  const alive = timeout === undefined ? noTimeout : (): void => {
    if (controller.signal.aborted) return;
    stopTimer();
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeout);
  };
  alive();
  const emit = (value: T): void => subscriber.next(value);
  let running: Promise<void>;
  try {
    running = body({ action, emit, signal, alive, pauseTimeout: timeout ? stopTimer : noTimeout });
  } catch (error) {
    settled = true;
    teardown();
    subscriber.error(error);
    return;
  }
  running.then(
    () => {
      settled = true;
      stopTimer();
      subscriber.complete();
    },
    (error: unknown) => {
      settled = true;
      stopTimer();
      if (subscriber.closed) return;
      if (timedOut) {
        subscriber.error(
          new TimeoutError(`${action}: no answer from ${peer} within ${timeout} ms`, timeout!, {
            cause: error,
          }),
        );
      } else {
        subscriber.error(asPodmanError(action, error));
      }
    },
  );
  return teardown;
}

/**
 * Every failure of an operation reaches the subscriber as a {@linkcode PodmanError}: a body
 * that breaks off mid-stream (a `TypeError` from fetch) becomes a {@linkcode ConnectionError}
 * with reason `"broken"`, anything else unexpected a `PodmanError`, with the action named and
 * the original as `cause`.
 */
function asPodmanError(action: string, error: unknown): PodmanError {
  if (error instanceof PodmanError) return error;
  if (isConnectionFailure(error)) return brokenConnectionError(action, error);
  return new PodmanError(`${action}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}
