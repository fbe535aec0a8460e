/**
 * What podrx asks of the process it runs in: environment, user, signals, exit hooks, the
 * terminal; described once for every runtime.
 *
 * @module
 */
import type { Signal } from "./processes.ts";

/** A terminal-like byte sink; `Deno.stderr` fits. */
export interface TerminalOutput {
  /** Whether the sink is a terminal. */
  isTerminal(): boolean;
  /** Writes bytes, returning how many were written. */
  writeSync(bytes: Uint8Array): number;
}

/** The process podrx runs in. */
export interface Host {
  /** The operating system: `linux`, `darwin`, `windows`, ... */
  readonly os: string;
  /** This process's id. */
  readonly pid: number;
  /** An environment variable; `undefined` when unset. */
  env(name: string): string | undefined;
  /** The user id; `null` where there is none (Windows). */
  uid(): number | null;
  /** The working directory. */
  cwd(): string;
  /** Listens for a signal sent to this process. */
  addSignalListener(signal: Signal, listener: () => void): void;
  /** Stops listening. */
  removeSignalListener(signal: Signal, listener: () => void): void;
  /** Sends a signal to a process. */
  kill(pid: number, signal: Signal): void;
  /**
   * Calls `listener`, synchronously, when this process is about to end: its work is done, it
   * calls `exit`, or an error nobody handled ends it. Returns what stops listening.
   */
  onExit(listener: () => void): () => void;
  /** Whether the runtime lets this process write under `path` (Deno's permissions). */
  mayWrite(path: string): boolean;
  /** This process's standard error, where there is one to draw progress on. */
  stderr(): TerminalOutput | undefined;
  /** The terminal's width in columns, when standard error is one. */
  terminalColumns(): number | undefined;
}
