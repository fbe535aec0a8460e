/**
 * The soak's bookkeeping: how each operation ended, by kind and outcome; the failures; and
 * when the service was down, so that an error can be told apart as one a restart explains.
 *
 * @module
 */

import { APIError, BuildError, ConnectionError, isPodmanError } from "../mod.ts";
import type { Stopped } from "./_soak_service.ts";

/** One failed check: a hang, an error no restart explains, a success storage contradicts. */
export interface Failure {
  /** The worker's number; 0 for the soak itself (the killer, the final checks). */
  worker: number;
  /** The operation or check. */
  kind: string;
  detail: string;
  /** Seconds since the soak started. */
  atS: number;
}

/** One restart: from the signal to the new service's first answer. */
export interface Restart {
  down: number;
  up: number | undefined;
  stopped?: Stopped;
  /** Milliseconds the new service took to start. */
  startMs?: number;
}

/** How an error is counted. */
export interface Verdict {
  /** The column it is counted under: its class's name. */
  outcome: string;
  /** Why it fails the soak, if it does. */
  failure?: string;
  /** An API error with the service up all along: counted, listed, not a failure. */
  unexplained?: boolean;
}

// A connection Deno pooled before a restart may be noticed dead only a moment after the new
// service answers.
const RESTART_GRACE_MS = 1_000;

/** The soak's counts, failures and restarts; shared by the workers and the killer. */
export class Tally {
  readonly started: number = performance.now();
  readonly failures: Failure[] = [];
  readonly restarts: Restart[] = [];
  /** API errors with the service up all along, as `kind: message`. */
  readonly unexplained: string[] = [];
  /** The first message of each kind and outcome of error, for the summary. */
  readonly samples: Map<string, string> = new Map();
  /** Processes a killed service left that were still running a while after it exited. */
  readonly orphans: string[] = [];
  readonly #counts = new Map<string, Map<string, number>>();

  /** Counts one operation of `kind` that ended as `outcome` (`"ok"` or an error's class). */
  count(kind: string, outcome: string): void {
    const byOutcome = this.#counts.get(kind) ?? new Map<string, number>();
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
    this.#counts.set(kind, byOutcome);
  }

  /** Records a failure. */
  fail(worker: number, kind: string, detail: string): void {
    this.failures.push({ worker, kind, detail, atS: this.secondsSince(performance.now()) });
  }

  /** Seconds from the soak's start to `time` (a `performance.now()`). */
  secondsSince(time: number): number {
    return Math.round((time - this.started) / 100) / 10;
  }

  /** Notes that the service is going down now; pass the result to {@linkcode Tally.up}. */
  down(): Restart {
    const restart: Restart = { down: performance.now(), up: undefined };
    this.restarts.push(restart);
    return restart;
  }

  /** Notes that the service answers again. */
  up(restart: Restart): void {
    restart.up = performance.now();
  }

  /** Whether the span from `start` to `end` touched a time the service was down. */
  touchedRestart(start: number, end: number): boolean {
    return this.restarts.some((restart) =>
      start < (restart.up ?? Infinity) + RESTART_GRACE_MS && end > restart.down
    );
  }

  /**
   * Classifies an operation's error. Expected: a `ConnectionError` or `BuildError` during a
   * restart (the service died under the operation, or was down when it began), and any
   * `APIError` (the server's own answer; listed when no restart explains it). Anything else
   * fails the soak.
   */
  judge(error: unknown, duringRestart: boolean): Verdict {
    const outcome = error instanceof ConnectionError
      ? `${error.name} (${error.reason})`
      : isPodmanError(error)
      ? error.name
      : `non-podrx ${error instanceof Error ? error.name : typeof error}`;
    if (error instanceof APIError) return { outcome, unexplained: !duringRestart };
    if ((error instanceof ConnectionError || error instanceof BuildError) && duringRestart) {
      return { outcome };
    }
    const message = error instanceof Error ? error.message : String(error);
    return {
      outcome,
      failure: `${outcome}${duringRestart ? "" : " with the service up all along"}: ${message}`,
    };
  }

  /** Operations by kind, then by outcome. */
  counts(): Record<string, Record<string, number>> {
    return Object.fromEntries(
      [...this.#counts].sort(([a], [b]) => a.localeCompare(b))
        .map(([kind, outcomes]) => [kind, Object.fromEntries(outcomes)]),
    );
  }
}
