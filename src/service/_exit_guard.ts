/**
 * Keeps the processes podrx starts from outliving the script: while one lives, an `unload`
 * listener stops it when the script ends without closing it (normally or by `Deno.exit()`),
 * `error` and `unhandledrejection` listeners when it dies of an uncaught exception or an
 * unhandled rejection (Deno dispatches those instead of `unload`; Node and Bun emit `exit`
 * for all of these: see the runtime's `host.onExit`), and SIGINT/SIGTERM
 * listeners when it is interrupted. The listeners exist only while something is guarded, so
 * a script that never starts a process is left exactly as it was.
 *
 * @module
 */
import type { Signal } from "../runtime/processes.ts";
import { host } from "../runtime/runtime.ts";

/** A process podrx started, with the two ways of stopping it. */
export interface GuardedProcess {
  /** Stops the process and cleans up after it. Safe to call more than once. */
  stop(): Promise<void>;
  /** Stops it with synchronous work only; `unload` listeners cannot wait for promises. */
  stopSync(): void;
}

/** Options for {@linkcode guardProcess}. */
export interface GuardOptions {
  /**
   * Stop the process on SIGINT and SIGTERM, then raise the signal again. Turn off in an
   * application that handles these signals itself and closes its clients there.
   * @default {true}
   */
  handleSignals?: boolean;
}

const SIGNALS: readonly Signal[] = ["SIGINT", "SIGTERM"];

const guarded = new Set<GuardedProcess>();
const stoppedOnSignal = new Set<GuardedProcess>();
let signalListeners: [Signal, () => void][] = [];
// Stops listening for the end of the script, while listening.
let stopListeningForExit: (() => void) | undefined;
let handlingSignal = false;

/**
 * Guards a process until the returned function is called (which the process's own `stop`
 * should do once it has stopped).
 *
 * @param process The process and its stop functions.
 * @param options Whether signals are handled too.
 * @returns A function that ends the guard; calling it again does nothing.
 */
export function guardProcess(process: GuardedProcess, options: GuardOptions = {}): () => void {
  guarded.add(process);
  if (options.handleSignals ?? true) stoppedOnSignal.add(process);
  updateListeners();
  return () => {
    guarded.delete(process);
    stoppedOnSignal.delete(process);
    // A release from inside the signal handler must not pull the listeners out from under it.
    if (!handlingSignal) updateListeners();
  };
}

function updateListeners(): void {
  if (guarded.size > 0 && !stopListeningForExit) {
    stopListeningForExit = host.onExit(onEnding);
  } else if (guarded.size === 0 && stopListeningForExit) {
    stopListeningForExit();
    stopListeningForExit = undefined;
  }
  if (stoppedOnSignal.size > 0 && signalListeners.length === 0) {
    for (const signal of SIGNALS) {
      const listener = (): void => void onSignal(signal);
      try {
        host.addSignalListener(signal, listener);
        signalListeners.push([signal, listener]);
      } catch {
        // A platform without this signal (Windows has no SIGTERM listener).
      }
    }
  } else if (stoppedOnSignal.size === 0) {
    removeSignalListeners();
  }
}

function removeSignalListeners(): void {
  for (const [signal, listener] of signalListeners) host.removeSignalListener(signal, listener);
  signalListeners = [];
}

// The host calls this only when the script really ends: on Deno, an application's error
// listener that ran first and called preventDefault() kept it alive, and the service too.
function onEnding(): void {
  for (const process of guarded) {
    try {
      process.stopSync();
    } catch {
      // The script is ending; the next process still deserves its chance.
    }
  }
  guarded.clear();
  stoppedOnSignal.clear();
}

async function onSignal(signal: Signal): Promise<void> {
  if (handlingSignal) return;
  handlingSignal = true;
  try {
    await Promise.allSettled([...stoppedOnSignal].map((process) => process.stop()));
  } finally {
    stoppedOnSignal.clear();
    removeSignalListeners();
    handlingSignal = false;
    updateListeners();
  }
  // With our listeners gone the signal does what it would have done without us: by default
  // it ends the script, and a listener of the application's own sees it again.
  host.kill(host.pid, signal);
}
