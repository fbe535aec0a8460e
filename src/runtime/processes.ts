/**
 * The programs podrx starts (`podman system service`, `ssh`, credential helpers, `rm`),
 * described once for every runtime, after Deno's `Deno.Command`.
 *
 * @module
 */

/** What becomes of one of a child's standard streams. */
export type Stdio = "piped" | "inherit" | "null";

/** A signal podrx sends or listens for. */
export type Signal = "SIGINT" | "SIGTERM" | "SIGKILL";

/** How to start a program. */
export interface CommandOptions {
  /** Its arguments. */
  args?: readonly string[];
  /** Variables added to (or, with `clearEnv`, instead of) this process's environment. */
  env?: Record<string, string>;
  /** Start from an empty environment. */
  clearEnv?: boolean;
  /** Standard input; `"null"` when not given. */
  stdin?: Stdio;
  /** Standard output; `"piped"` when not given. */
  stdout?: Stdio;
  /** Standard error; `"piped"` when not given. */
  stderr?: Stdio;
  /** Kills the child (SIGTERM) when aborted. */
  signal?: AbortSignal;
}

/** How a child ended. */
export interface CommandStatus {
  /** Exit code 0. */
  readonly success: boolean;
  /** The exit code (128 plus the signal's number when a signal ended it). */
  readonly code: number;
  /** The signal that ended it, if one did. */
  readonly signal: string | null;
}

/** How a child ended, and what it wrote to its piped output streams. */
export interface CommandOutput extends CommandStatus {
  /** Its standard output (empty unless piped). */
  readonly stdout: Uint8Array;
  /** Its standard error (empty unless piped). */
  readonly stderr: Uint8Array;
}

/** A running program. */
export interface ChildProcess {
  /** Its process id. */
  readonly pid: number;
  /** Its standard input, when piped. */
  readonly stdin: WritableStream<Uint8Array>;
  /** Its standard output, when piped. */
  readonly stdout: ReadableStream<Uint8Array>;
  /** Its standard error, when piped. */
  readonly stderr: ReadableStream<Uint8Array>;
  /** Settles when it has exited. */
  readonly status: Promise<CommandStatus>;
  /** Waits for the end, reading the piped output streams whole. */
  output(): Promise<CommandOutput>;
  /** Sends a signal (SIGTERM when none is named); throws when it has exited already. */
  kill(signal?: Signal): void;
  /** Lets this process exit while the child runs. */
  unref(): void;
  /** Undoes {@linkcode ChildProcess.unref}. */
  ref(): void;
}

/** Starting programs. */
export interface Processes {
  /** Starts a program; rejects when it cannot start (a `NotFound` error when it is missing). */
  spawn(command: string, options: CommandOptions): Promise<ChildProcess>;
  /** Runs a program to its end. */
  output(command: string, options: CommandOptions): Promise<CommandOutput>;
  /** Runs a program to its end, blocking (for exit hooks, where nothing may wait). */
  outputSync(command: string, options: CommandOptions): CommandOutput;
}
