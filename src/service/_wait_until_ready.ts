/**
 * The one wait loop for a daemon podrx starts: probe until it answers, it exits, or time
 * runs out.
 *
 * @module
 */

import type { LoggedProcess } from "./_logged_process.ts";
import { delay } from "../async/delay.ts";

/** The outcome of {@linkcode waitUntilReady}. */
export type Readiness = "ready" | "exited" | "timeout";

/** Options for {@linkcode waitUntilReady}. */
export interface WaitOptions {
  /** How long to keep probing. */
  timeoutMs: number;
  /** Stops waiting early; the promise then rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * Pause between probes.
   * @default {100}
   */
  intervalMs?: number;
}

/**
 * Probes `daemon` until `probe` resolves to `true`, the process exits, or time runs out.
 *
 * @param daemon The daemon being waited for; its exit ends the wait at once.
 * @param probe Resolves to `true` once the daemon answers; rejects to give up at once, when
 * the daemon's output shows that waiting longer cannot help.
 * @param options Time limit, interval and cancellation.
 * @returns Why the wait ended.
 * @throws The probe's error, or the signal's reason once it aborts (as a rejection).
 */
export async function waitUntilReady(
  daemon: Pick<LoggedProcess, "exited">,
  probe: () => Promise<boolean>,
  options: WaitOptions,
): Promise<Readiness> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 100;
  while (true) {
    options.signal?.throwIfAborted();
    if (daemon.exited()) return "exited";
    if (await probe()) return "ready";
    if (Date.now() >= deadline) return "timeout";
    await delay(intervalMs, options.signal);
  }
}
