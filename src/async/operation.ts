/**
 * The one description of an operation: its events (the Observable), the words its errors start
 * with (`action`), and how a caller that wants one answer gets it from the events
 * (`collect()`). The await twins (`promises`) and a fleet's forms of an operation are made from
 * this description, so an operation is written once.
 *
 * @module
 */

import { defer, Observable, type Subscriber, type TeardownLogic } from "rxjs";
import { PodmanError } from "../errors.ts";

/**
 * Folds an operation's events into its one result, for the await twins and for a fleet
 * host's result. A collector is made fresh for every run.
 *
 * @example What `images.promises.load()` does with a load's events
 * ```ts check-only
 * import { PodmanClient } from "@podrx/podrx";
 *
 * await using podman = new PodmanClient();
 * const loading = podman.images.load("./app.tar");
 * const collector = loading.collect(); // every image loaded, in order
 * await loading.forEach((image) => collector.add(image));
 * console.log(collector.result().map((image) => image.id));
 * ```
 */
export interface ResultCollector<E, R> {
  /** Takes the next event. */
  add(event: E): void;
  /**
   * The result, once the events have completed.
   *
   * @throws {PodmanError} When the events made no result.
   */
  result(): R;
}

/**
 * A cold Observable of an operation's events that also says what the operation is called and
 * how its events make one result. It is an ordinary RxJS Observable: nothing is sent until
 * subscribe, each subscription runs the operation once, and unsubscribing aborts it.
 *
 * @typeParam E The events the Observable emits.
 * @typeParam R The one result its await twin resolves to.
 *
 * @example The result its await twin resolves to
 * ```ts
 * import { Operation } from "@podrx/podrx";
 * import { of } from "rxjs";
 * import assert from "node:assert/strict";
 *
 * // Counts its events: the events are 1, 2, 3; the result is how many came.
 * const counting = new Operation(
 *   "Cannot count",
 *   (subscriber) => of(1, 2, 3).subscribe(subscriber),
 *   () => {
 *     let count = 0;
 *     return { add: () => count++, result: () => count };
 *   },
 * );
 * const collector = counting.collect();
 * counting.subscribe((value) => collector.add(value));
 * assert.equal(collector.result(), 3);
 * assert.equal(counting.action, "Cannot count");
 * ```
 */
export class Operation<E, R = E> extends Observable<E> {
  readonly #action: string | (() => string);
  readonly #collector: (action: string) => ResultCollector<E, R>;

  /**
   * Describes an operation.
   *
   * @param action What the operation's errors start with, or a function that says it (made
   *   only when asked, so a cheap call stays cheap).
   * @param subscribe Runs the operation for one subscriber, as `new Observable(subscribe)`.
   * @param collector Makes the fold of the events into one result; given the action so its
   *   error can name it.
   */
  constructor(
    action: string | (() => string),
    subscribe: (subscriber: Subscriber<E>) => TeardownLogic,
    collector: (action: string) => ResultCollector<E, R>,
  ) {
    super(subscribe);
    this.#action = action;
    this.#collector = collector;
  }

  /** What the operation's errors start with, such as `Cannot pull "alpine"`. */
  get action(): string {
    return typeof this.#action === "string" ? this.#action : this.#action();
  }

  /** A fresh fold of this operation's events into its one result. */
  collect(): ResultCollector<E, R> {
    return this.#collector(this.action);
  }
}

/** Makes an Operation of the events of `source`, described by `action` and `collector`. */
export function operationOf<E, R>(
  action: string | (() => string),
  source: Observable<E>,
  collector: (action: string) => ResultCollector<E, R>,
): Operation<E, R> {
  return new Operation(action, (subscriber) => source.subscribe(subscriber), collector);
}

/**
 * Makes an Operation whose events come from `run`, called at each subscribe with the action:
 * for operations that pick their request from their arguments.
 */
export function deferredOperation<E>(
  action: string | (() => string),
  run: (action: string) => Observable<E>,
): Operation<E, E>;
export function deferredOperation<E, R>(
  action: string | (() => string),
  run: (action: string) => Observable<E>,
  collector: (action: string) => ResultCollector<E, R>,
): Operation<E, R>;
export function deferredOperation<E, R>(
  action: string | (() => string),
  run: (action: string) => Observable<E>,
  collector: (action: string) => ResultCollector<E, R> = lastEvent as never,
): Operation<E, R> {
  const source = defer(() => run(typeof action === "string" ? action : action()));
  return operationOf(action, source, collector);
}

/** The error of a collector whose operation's events made no result. */
export function noResultError(action: string): PodmanError {
  return new PodmanError(`${action}: the operation completed without a result`);
}

/** The result is the last event: an operation that answers once. */
export function lastEvent<E>(action: string): ResultCollector<E, E> {
  let last: { event: E } | undefined;
  return {
    add: (event) => (last = { event }),
    result: () => {
      if (!last) throw noResultError(action);
      return last.event;
    },
  };
}

/** The result is every event, in order: an operation that streams its results. */
export function everyEvent<E>(): ResultCollector<E, E[]> {
  const events: E[] = [];
  return { add: (event) => events.push(event), result: () => events };
}

/**
 * The result is what `pick` makes of the last event it makes something of: an operation whose
 * progress events come before the one that says what was done.
 */
export function pickedEvent<E, R>(
  pick: (event: E) => R | undefined,
): (action: string) => ResultCollector<E, R> {
  return (action) => {
    let picked: { value: R } | undefined;
    return {
      add: (event) => {
        const value = pick(event);
        if (value !== undefined) picked = { value };
      },
      result: () => {
        if (!picked) throw noResultError(action);
        return picked.value;
      },
    };
  };
}
