/**
 * What a fleet operation emits: every event of every host's operation, tagged with the host,
 * and one final outcome per host (`done` with its result, or `failed` with its error).
 *
 * @typeParam E The events of the operation on one host, e.g. `PullEvent`.
 * @typeParam R The result of one host, e.g. the pulled `Image`.
 */
export type FleetEvent<E, R> =
  | FleetStartedEvent
  | FleetHostEvent<E>
  | FleetRetryEvent
  | FleetDoneEvent<R>
  | FleetFailedEvent;

/** A host's operation was subscribed: its request is on its way. */
export interface FleetStartedEvent {
  /** Discriminant. */
  readonly type: "started";
  /** The host's name in the fleet. */
  readonly host: string;
  /** 1 for the first try, 2 for the first retry, and so on. */
  readonly attempt: number;
}

/** One event of one host's operation, as the same operation emits it on one client. */
export interface FleetHostEvent<E> {
  /** Discriminant. */
  readonly type: "event";
  /** The host's name in the fleet. */
  readonly host: string;
  /** The event, unchanged. */
  readonly event: E;
}

/**
 * A host's try failed and it is tried again (see `retry` in {@linkcode FleetOptions}); the
 * events of the next try follow, from the start.
 */
export interface FleetRetryEvent {
  /** Discriminant. */
  readonly type: "retry";
  /** The host's name in the fleet. */
  readonly host: string;
  /** The try that failed (1 for the first). */
  readonly attempt: number;
  /** Why it failed. */
  readonly error: Error;
}

/** A host's final outcome when it succeeded: no further event of that host follows. */
export interface FleetDoneEvent<R> {
  /** Discriminant. */
  readonly type: "done";
  /** The host's name in the fleet. */
  readonly host: string;
  /** What the operation gave on that host. */
  readonly result: R;
}

/** A host's final outcome when it failed (after its retries): no further event follows. */
export interface FleetFailedEvent {
  /** Discriminant. */
  readonly type: "failed";
  /** The host's name in the fleet. */
  readonly host: string;
  /** Why, as the host's own operation reported it. */
  readonly error: Error;
}

/** Options every fleet operation takes, next to the operation's own. */
export interface FleetOptions {
  /**
   * How many hosts run the operation at the same time; the rest wait their turn.
   * @default {Infinity} every host at once
   */
  concurrency?: number;
  /**
   * Stop every other host as soon as one fails: their requests are aborted and the stream
   * errors with a {@linkcode FleetError} naming the failed host. By default the others
   * finish, and the stream then errors with one error naming every failed host.
   * @default {false}
   */
  failFast?: boolean;
  /**
   * Try a failed host again: a number of retries, or a policy. Each host retries on its
   * own; the others are not held up.
   * @default {0} no retry
   */
  retry?: number | FleetRetryPolicy;
  /**
   * Run on these hosts only, by name; an unknown name is an error before anything is sent.
   * @default {undefined} every host of the fleet
   */
  hosts?: readonly string[];
}

/** Options for {@linkcode Fleet.run}. */
export interface FleetRunOptions<E, R> extends FleetOptions {
  /**
   * Folds one host's events into its result; `undefined` leaves the result as it was.
   * @default {the last event}
   */
  result?: (previous: R | undefined, event: E) => R | undefined;
}

/** When and how often a failed host is tried again; see {@linkcode FleetOptions.retry}. */
export interface FleetRetryPolicy {
  /** Retries after the first try. */
  count: number;
  /**
   * Milliseconds to wait before a retry, or a function of the error and the retry's number
   * (1 for the first).
   * @default {0}
   */
  delay?: number | ((error: Error, retry: number) => number);
  /**
   * Which errors are worth another try.
   * @default {() => true}
   */
  retryIf?: (error: Error) => boolean;
}
