import {
  catchError,
  concat,
  defer,
  EMPTY,
  from,
  ignoreElements,
  map,
  mergeMap,
  type Observable,
  of,
  takeWhile,
  tap,
  throwError,
  timer,
} from "rxjs";
import { Operation, type ResultCollector } from "../async/operation.ts";
import { PodmanError } from "../errors.ts";
import { FleetError, type FleetFailure } from "./fleet_error.ts";
import type { FleetEvent, FleetOptions, FleetRetryPolicy } from "./fleet_event.ts";

/** What {@linkcode runOnHosts} needs to know of one host's part. */
export interface HostRun<E> {
  /** The host's name in the fleet. */
  readonly name: string;
  /** Makes the host's operation; called once per try, at subscribe time. */
  readonly operation: () => Observable<E>;
}

/** How {@linkcode runOnHosts} turns a host's events into its result. */
export interface RunOnHostsOptions<E, R> extends FleetOptions {
  /**
   * Folds the events of one try into the host's result; it returns `undefined` for an event
   * that decides nothing yet.
   * @default {the last event}
   */
  result?: (previous: R | undefined, event: E) => R | undefined;
  /**
   * Checks a host's result before it counts as done; a throw makes the host fail with it.
   * @default {undefined}
   */
  verify?: (result: R, host: string) => void;
}

function retryPolicy(retry: FleetOptions["retry"], action: string): Required<FleetRetryPolicy> {
  const policy: FleetRetryPolicy = typeof retry === "number" ? { count: retry } : retry ?? {
    count: 0,
  };
  if (!Number.isInteger(policy.count) || policy.count < 0) {
    throw new RangeError(`${action}: retry must be a whole number of 0 or more`);
  }
  return {
    count: policy.count,
    delay: policy.delay ?? 0,
    retryIf: policy.retryIf ?? (() => true),
  };
}

function validateConcurrency(concurrency: number | undefined, action: string): number {
  if (concurrency === undefined) return Infinity;
  if (concurrency !== Infinity && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new RangeError(`${action}: concurrency must be a whole number of 1 or more`);
  }
  return concurrency;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new PodmanError(String(error));
}

/** One host: its tries, each with its own events, ending in `done` or `failed`. */
/** The host's operation; one that throws when made fails like one that errors. */
function madeOperation<E>(host: HostRun<E>): Observable<E> {
  try {
    return host.operation();
  } catch (error) {
    return throwError(() => error);
  }
}

/**
 * How a host's events make its result: the caller's fold when given, else the operation's
 * own collector (what its await twin resolves to), else the last event.
 */
function resultCollector<E, R>(
  operation: Observable<E>,
  fold: RunOnHostsOptions<E, R>["result"],
  where: string,
): ResultCollector<E, R> {
  if (fold === undefined && operation instanceof Operation) {
    return (operation as Operation<E, R>).collect();
  }
  const step = fold ?? ((_previous: R | undefined, event: E) => event as unknown as R);
  let result: R | undefined;
  return {
    add: (event) => {
      result = step(result, event) ?? result;
    },
    result: () => {
      if (result === undefined) {
        throw new PodmanError(`${where}: the operation ended without a result`);
      }
      return result;
    },
  };
}

function hostOutcome<E, R>(
  host: HostRun<E>,
  options: RunOnHostsOptions<E, R>,
  policy: Required<FleetRetryPolicy>,
  action: string,
): Observable<FleetEvent<E, R>> {
  const attempt = (number: number): Observable<FleetEvent<E, R>> =>
    defer(() => {
      // Each try folds its own events: a retry starts the result afresh.
      const operation = madeOperation(host);
      const collector = resultCollector(operation, options.result, `${action} on ${host.name}`);
      const events = operation.pipe(
        tap((event) => collector.add(event)),
        map((event): FleetEvent<E, R> => ({ type: "event", host: host.name, event })),
      );
      const outcome = defer(() => {
        const result = collector.result();
        options.verify?.(result, host.name);
        return of<FleetEvent<E, R>>({ type: "done", host: host.name, result });
      });
      return concat(
        of<FleetEvent<E, R>>({ type: "started", host: host.name, attempt: number }),
        events,
        outcome,
      ).pipe(catchError((caught: unknown) => {
        const error = asError(caught);
        if (number > policy.count || !policy.retryIf(error)) {
          return of<FleetEvent<E, R>>({ type: "failed", host: host.name, error });
        }
        const delay = typeof policy.delay === "function"
          ? policy.delay(error, number)
          : policy.delay;
        return concat(
          of<FleetEvent<E, R>>({ type: "retry", host: host.name, attempt: number, error }),
          timer(delay).pipe(ignoreElements()),
          attempt(number + 1),
        );
      }));
    });
  return attempt(1);
}

/**
 * Runs one operation on many hosts as one cold Observable: every host's events tagged with
 * its host, one final outcome per host, then an error naming every failed host if any failed.
 *
 * On subscribe, up to `concurrency` hosts start at once. A host's failure is its own: the
 * others carry on (unless `failFast`), and the stream, once every host has its outcome,
 * errors with a {@linkcode FleetError} listing each failed host and why. Unsubscribing
 * unsubscribes every running host's operation, which aborts its request.
 *
 * @typeParam E The events of one host's operation.
 * @typeParam R The result of one host.
 * @param action Names the operation in errors, e.g. `Cannot pull "app:1"`.
 * @param hosts The hosts and their operations.
 * @param options Concurrency, fail-fast, retry, and how events make a result.
 * @returns A cold Observable of {@linkcode FleetEvent}s that completes when every host
 * succeeded. Bad options are a `RangeError` as its error, before anything is sent.
 */
export function runOnHosts<E, R>(
  action: string,
  hosts: readonly HostRun<E>[],
  options: RunOnHostsOptions<E, R> = {},
): Observable<FleetEvent<E, R>> {
  return defer(() => {
    const policy = retryPolicy(options.retry, action);
    const concurrency = validateConcurrency(options.concurrency, action);
    const failures: FleetFailure[] = [];
    const finished = new Set<string>();
    const outcomes = from(hosts).pipe(
      mergeMap((host) => hostOutcome(host, options, policy, action), concurrency),
      tap((event) => {
        if (event.type === "failed") failures.push({ host: event.host, error: event.error });
        if (event.type === "done" || event.type === "failed") finished.add(event.host);
      }),
    );
    const ended = defer(() => {
      if (failures.length === 0) return EMPTY;
      const cancelled = hosts.map((host) => host.name).filter((name) => !finished.has(name));
      return throwError(() => new FleetError(action, hosts.length, failures, cancelled));
    });
    return concat(
      // With failFast, the first failure ends the merge, which unsubscribes every other host.
      options.failFast
        ? outcomes.pipe(takeWhile((event) => event.type !== "failed", true))
        : outcomes,
      ended,
    );
  });
}
