import { PodmanError } from "../errors.ts";

/** One host that failed, and why. */
export interface FleetFailure {
  /** The host's name in the fleet. */
  readonly host: string;
  /** The host's own error. */
  readonly error: Error;
}

/**
 * The one error a fleet operation ends with when any host failed: it names every failed host
 * and why, so that a script cannot miss one. With `failFast`, the hosts stopped because of
 * the failure are listed in `cancelled`.
 *
 * @example Reporting each failed host
 * ```ts
 * import { FleetError, PodmanError } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const error = new FleetError("Cannot pull \"app:1\"", 3, [
 *   { host: "edge-2", error: new PodmanError("Cannot pull \"app:1\": connection refused") },
 * ]);
 * assert.equal(
 *   error.message,
 *   'Cannot pull "app:1" on 1 of 3 hosts: edge-2: Cannot pull "app:1": connection refused',
 * );
 * assert.deepEqual(error.failures.map((failure) => failure.host), ["edge-2"]);
 * ```
 */
export class FleetError extends PodmanError {
  /** Every failed host with its error, in the order they failed. */
  readonly failures: readonly FleetFailure[];
  /** Hosts that were stopped before they finished (`failFast`). */
  readonly cancelled: readonly string[];

  /**
   * Creates the error; its message lists every failed host with its error's message.
   *
   * @param action What the fleet was doing, e.g. `Cannot pull "app:1"`.
   * @param hostCount How many hosts took part.
   * @param failures The failed hosts.
   * @param cancelled Hosts stopped because of a failure.
   */
  constructor(
    action: string,
    hostCount: number,
    failures: readonly FleetFailure[],
    cancelled: readonly string[] = [],
  ) {
    const reasons = failures.map(({ host, error }) => `${host}: ${error.message}`).join("; ");
    const stopped = cancelled.length > 0 ? ` (stopped: ${cancelled.join(", ")})` : "";
    super(`${action} on ${failures.length} of ${hostCount} hosts: ${reasons}${stopped}`, {
      cause: failures.length === 1 ? failures[0]!.error : new AggregateError(
        failures.map((failure) => failure.error),
      ),
    });
    this.failures = failures;
    this.cancelled = cancelled;
  }
}
