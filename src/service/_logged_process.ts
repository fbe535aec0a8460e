/**
 * A daemon process with its output in a log file, for the services podrx starts (a Podman
 * service, an SSH tunnel) and for the test bed's own daemons: spawn it, read its log, stop
 * it; with a synchronous stop for the last moments of a script, when only synchronous work
 * still runs.
 *
 * @module
 */

import { errorMessage } from "./_error_message.ts";
import { isNotFound } from "../runtime/file_errors.ts";
import type { OpenFile } from "../runtime/files.ts";
import type { ChildProcess, CommandStatus, Signal } from "../runtime/processes.ts";
import { files, processes } from "../runtime/runtime.ts";

/** Options for {@linkcode spawnLogged}. */
export interface SpawnLoggedOptions {
  /** File that receives the process's stdout and stderr. */
  logPath: string;
  /** Variables added to (or, with `clearEnv`, used instead of) the inherited environment. */
  env?: Record<string, string>;
  /**
   * Start from an empty environment instead of the inherited one.
   * @default {false}
   */
  clearEnv?: boolean;
}

/** A daemon spawned by {@linkcode spawnLogged}. */
export interface LoggedProcess {
  /** The process id. */
  readonly pid: number;
  /** Whether the process has exited. */
  exited(): boolean;
  /** The exit status once the process has exited. */
  readonly status: Promise<CommandStatus>;
  /** The last lines of the log file. */
  tail(lines?: number): Promise<string>;
  /**
   * Sends SIGTERM, then SIGKILL if the process is still there after `graceMs`, and waits
   * for it to exit and for its output to be flushed. Safe to call more than once.
   */
  stop(graceMs?: number): Promise<void>;
  /**
   * The same as {@linkcode LoggedProcess.stop}, synchronously, for an `unload` listener:
   * SIGTERM, a busy wait of at most `graceMs` for the process to exit, then SIGKILL.
   */
  stopSync(graceMs?: number): void;
}

/**
 * Spawns `command` with stdout and stderr appended to `options.logPath`. The process does
 * not keep the script alive (it is unref'd); stopping it is the caller's job.
 *
 * @param command The program to run.
 * @param args Its arguments.
 * @param options Log file and environment.
 * @returns The running process.
 * @throws {Error} When the process cannot be started; the Deno error (e.g.
 * `Deno.errors.NotFound` for a missing program) is the `cause`.
 */
export async function spawnLogged(
  command: string,
  args: readonly string[],
  options: SpawnLoggedOptions,
): Promise<LoggedProcess> {
  // Two append-mode handles on one file: O_APPEND keeps each write whole, so stdout and
  // stderr interleave line by line as they would on a terminal.
  const outFile = await files.open(options.logPath, { append: true, create: true });
  const errFile = await files.open(options.logPath, { append: true, create: true });
  let child: ChildProcess;
  try {
    child = await processes.spawn(command, {
      args: [...args],
      env: options.env ?? {},
      clearEnv: options.clearEnv ?? false,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
  } catch (error) {
    outFile.close();
    errFile.close();
    throw new Error(`Cannot start ${command}: ${errorMessage(error)}`, { cause: error });
  }
  // A service the script forgot to stop must not keep it alive forever: the script ends,
  // and its `unload` listener stops the service. This covers the output pipes too.
  child.unref();

  // A grandchild that inherits the pipes could keep them open after the daemon is gone;
  // this lets stop() give up on the output instead of hanging.
  const pipeAbort = new AbortController();
  const pipes = Promise.allSettled([
    pump(child.stdout, outFile, pipeAbort.signal),
    pump(child.stderr, errFile, pipeAbort.signal),
  ]);

  let hasExited = false;
  const status = child.status.finally(() => {
    hasExited = true;
  });

  let stopping: Promise<void> | undefined;
  async function stopOnce(graceMs: number): Promise<void> {
    // Waiting for the exit must keep the script alive until it happened.
    child.ref();
    if (!hasExited) {
      signalChild(child, "SIGTERM");
      const killTimer = setTimeout(() => signalChild(child, "SIGKILL"), graceMs);
      try {
        await status;
      } finally {
        clearTimeout(killTimer);
      }
    }
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flushed = await Promise.race([
      pipes.then(() => true),
      new Promise<boolean>((resolve) => {
        flushTimer = setTimeout(() => resolve(false), 2_000);
      }),
    ]);
    clearTimeout(flushTimer);
    if (!flushed) {
      pipeAbort.abort();
      await pipes;
    }
  }

  return {
    pid: child.pid,
    exited: () => hasExited,
    status,
    tail: (lines) => logTail(options.logPath, lines),
    stop(graceMs = 5_000): Promise<void> {
      stopping ??= stopOnce(graceMs);
      return stopping;
    },
    stopSync(graceMs = 3_000): void {
      if (hasExited || isRunning(child.pid) === false) return;
      signalChild(child, "SIGTERM");
      // Without /proc there is no telling when it exits; SIGTERM has to do.
      if (isRunning(child.pid) === undefined) return;
      const deadline = Date.now() + graceMs;
      while (isRunning(child.pid) && Date.now() < deadline) sleepSync(20);
      if (isRunning(child.pid)) signalChild(child, "SIGKILL");
    },
  };
}

/**
 * Copies a process's output into a file chunk by chunk, so the log is current while the
 * process runs; `FsFile.writable` buffers, and would hide the output a failure must quote.
 */
async function pump(
  stream: ReadableStream<Uint8Array>,
  file: OpenFile,
  signal: AbortSignal,
): Promise<void> {
  const reader = stream.getReader();
  const onAbort = (): void => void reader.cancel().catch(() => undefined);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      for (let offset = 0; offset < value.length;) {
        offset += await file.write(value.subarray(offset));
      }
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    file.close();
  }
}

/**
 * Reads the last lines of a log file, or a note saying why it could not.
 *
 * @param path The log file.
 * @param lines How many lines to keep.
 * @returns The tail, ready to append to an error message.
 */
export async function logTail(path: string, lines = 40): Promise<string> {
  try {
    const text = await files.readTextFile(path);
    const tail = text.trimEnd().split("\n").slice(-lines).join("\n");
    return tail === "" ? "(log is empty)" : tail;
  } catch (error) {
    return `(cannot read ${path}: ${errorMessage(error)})`;
  }
}

/**
 * Whether a child process is still running, read from `/proc`: an exited child that nobody
 * has reaped yet is a zombie (state `Z`), which counts as gone. `undefined` where there is
 * no `/proc` to ask.
 */
function isRunning(pid: number): boolean | undefined {
  let stat: string;
  try {
    stat = files.readTextFileSync(`/proc/${pid}/stat`);
  } catch (error) {
    if (isNotFound(error)) {
      return existsSync("/proc/self/stat") ? false : undefined;
    }
    return undefined;
  }
  // "pid (command) state ...": the command may hold spaces and parentheses.
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

function existsSync(path: string): boolean {
  try {
    files.statSync(path);
    return true;
  } catch {
    return false;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function signalChild(child: ChildProcess, signal: Signal): void {
  try {
    child.kill(signal);
  } catch {
    // It exited between the check and the kill.
  }
}
