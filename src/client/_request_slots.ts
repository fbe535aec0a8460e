import { closedError } from "./_closed_error.ts";
import { controllerAbortedOnClose } from "./_abort_on_close.ts";

/** A request's place among the client's connections; see {@linkcode RequestSlots}. */
export interface Slot {
  /**
   * The request's signal: aborted with the caller's reason when the caller's signal aborts,
   * and with the client-closed error when the client closes during the request.
   */
  readonly signal: AbortSignal;
  /** Gives the place to the next request waiting. Calling it again does nothing. */
  release(): void;
}

interface Waiter {
  action: string;
  signal: AbortSignal | undefined;
  grant(slot: Slot): void;
  fail(error: unknown): void;
}

/**
 * Bounds how many requests of one client are in flight at once, and so how many connections
 * it opens: Deno's HTTP client opens a new connection for every request that finds none idle.
 * Requests beyond the bound wait in order. A request holds its place until its response body
 * is over (a stream holds it for as long as it runs). `close()` fails every waiting request
 * and aborts every running one, each with the client-closed error naming its action.
 */
export class RequestSlots {
  #free: number;
  #waiting: Waiter[] = [];
  #running = new Set<{ action: string; controller: AbortController }>();
  #closed = false;

  /** `max` requests may run at once. */
  constructor(max: number) {
    this.#free = max;
  }

  /**
   * A place for one request, once one is free. Rejects with `signal`'s reason when it aborts
   * first (the request leaves the queue), and with the client-closed error after `close()`.
   */
  acquire(action: string, signal: AbortSignal | undefined): Promise<Slot> {
    if (this.#closed) return Promise.reject(closedError(action));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(this.#grant(action, signal));
    }
    return new Promise<Slot>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiting = this.#waiting.filter((waiting) => waiting !== waiter);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        action,
        signal,
        grant: (slot) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(slot);
        },
        fail: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      this.#waiting.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * A place for one request if one is free now, else `undefined` (then
   * {@linkcode RequestSlots.acquire} waits for one, or says why not). Synchronous, so a
   * request that finds a place spends no promise hop on it.
   */
  tryAcquire(action: string, signal: AbortSignal | undefined): Slot | undefined {
    if (this.#closed || this.#free === 0 || signal?.aborted) return undefined;
    this.#free--;
    return this.#grant(action, signal);
  }

  /** How many requests wait for a place (for tests and diagnostics). */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Fails the waiting requests and aborts the running ones; later acquires fail at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const waiter of waiting) waiter.fail(closedError(waiter.action));
    for (const { action, controller } of this.#running) controller.abort(closedError(action));
    this.#running.clear();
  }

  #grant(action: string, caller: AbortSignal | undefined): Slot {
    // A caller that lent its controller is aborted through it; any other gets a controller
    // of the client's own, linked to its signal. Not AbortSignal.any(): its combined signal is
    // only weakly held by its sources, and once collected (under load, mid-stream) an abort no
    // longer reached the body. This controller is held by #running while the request runs.
    const lent = controllerAbortedOnClose(caller);
    const entry = { action, controller: lent ?? new AbortController() };
    this.#running.add(entry);
    const onAbort = lent || !caller ? undefined : (): void => entry.controller.abort(caller.reason);
    if (onAbort) {
      if (caller!.aborted) onAbort();
      else caller!.addEventListener("abort", onAbort, { once: true });
    }
    let released = false;
    return {
      signal: entry.controller.signal,
      release: () => {
        if (released) return;
        released = true;
        if (onAbort) caller!.removeEventListener("abort", onAbort);
        this.#running.delete(entry);
        this.#giveBack();
      },
    };
  }

  /** Frees a place at once when nobody waits, or hands it on a moment later when somebody does. */
  #giveBack(): void {
    if (this.#waiting.length === 0) {
      // Nobody to hand it to: a 0 ms timer on every call cost about a tenth of a short call's
      // client-side time, for nothing.
      this.#free++;
      return;
    }
    // Deno puts the connection back in its pool a moment after the body's end; a request
    // sent before that finds no idle connection and opens one more. One macrotask later
    // the connection is usually back (idle machine: never more connections than places
    // over 300 calls; without the delay, one more in a third of the runs). Under CPU load
    // it can take longer (one or two more in about 1 of 8 bursts; two or three turns, or
    // a 5 ms timer, did not close the gap), so the cap is on requests, not sockets.
    setTimeout(() => this.#handOn(), 0);
  }

  /** Passes a given-back place straight to the next in line, or frees it. */
  #handOn(): void {
    const next = this.#waiting.shift();
    if (next) next.grant(this.#grant(next.action, next.signal));
    else this.#free++;
  }
}
