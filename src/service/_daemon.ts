/**
 * The one skeleton behind every daemon podrx starts for a user (a Podman service, an SSH
 * tunnel): a private temp directory, a logged process in it, guarded against outliving the
 * script, waited on until it answers, and one stop that ends the process and removes the
 * directory.
 *
 * @module
 */

import { errorMessage } from "./_error_message.ts";
import { guardProcess } from "./_exit_guard.ts";
import { type LoggedProcess, spawnLogged } from "./_logged_process.ts";
import { removeDir, removeDirSync } from "./_remove_dir.ts";
import { waitUntilReady } from "./_wait_until_ready.ts";
import { isNotFound } from "../runtime/file_errors.ts";
import { files } from "../runtime/runtime.ts";

/** The program {@linkcode startDaemon} runs, worked out once its directory exists. */
export interface DaemonCommand {
  /** A name looked up on `PATH`, or a path. */
  program: string;
  args: string[];
  /** Receives the process's stdout and stderr; usually inside the directory. */
  logPath: string;
  /** Variables added to the inherited environment. */
  env?: Record<string, string>;
}

/** What {@linkcode startDaemon} starts, how it tells that it is ready, how it words failures. */
export interface DaemonPlan {
  /** Prefix of the private temp directory's name. */
  dirPrefix: string;
  /** The reason given when that directory cannot be made, before the OS's own words. */
  dirFailure: string;
  /**
   * The command to run in the new directory. May throw (e.g. for a path too long for a
   * socket); the directory is then removed and the error passed on as it is.
   */
  command(dir: string): DaemonCommand;
  /** The reason given when the program does not exist. */
  missingProgram: string;
  /** Makes the error for a start that failed, from its reason. */
  fail(why: string, cause: unknown): Error;
  /**
   * Whether the daemon in `dir` answers yet. Rejects to give up at once (the daemon is
   * stopped and the error passed on as it is).
   */
  isReady(dir: string, process: LoggedProcess): Promise<boolean>;
  /**
   * The error for a daemon that exited or did not answer in time. It is called once the
   * process has stopped, so that its last words are in the log.
   */
  notReady(outcome: "exited" | "timeout", process: LoggedProcess): Promise<Error>;
  /** How long to wait for {@linkcode DaemonPlan.isReady}. */
  startTimeoutMs: number;
  /** How long the process may take to exit after SIGTERM before SIGKILL. */
  stopGraceMs: number;
  /** The same for the synchronous stop at exit, which holds up the end of the script. */
  stopSyncGraceMs: number;
  /** Also stop the daemon on SIGINT and SIGTERM; see `guardProcess`. */
  handleSignals: boolean;
  /** Aborts the start; the half-started daemon is stopped and its directory removed. */
  signal?: AbortSignal | undefined;
  /**
   * A Podman program whose `podman unshare` can remove what the daemon left in its directory
   * when the user cannot: rootless storage holds files owned by subordinate ids.
   */
  unshareWith?: string | undefined;
}

/** A daemon that answers; see {@linkcode startDaemon}. */
export interface Daemon {
  /** The private temp directory. */
  readonly dir: string;
  readonly process: LoggedProcess;
  /**
   * Stops the process and removes the directory. Safe to call more than once; a signal or
   * the end of the script goes through the same stop, so a later call waits for that one.
   */
  stop(): Promise<void>;
}

/**
 * Starts the daemon `plan` describes and waits until it answers.
 *
 * @param plan What to start and how to word failures.
 * @returns The daemon, once {@linkcode DaemonPlan.isReady} said so.
 * @throws {Error} (as a rejection) The plan's errors, or the signal's reason; nothing is left
 * running or on disk then.
 */
export async function startDaemon(plan: DaemonPlan): Promise<Daemon> {
  let dir: string;
  try {
    dir = await files.makeTempDir({ prefix: plan.dirPrefix });
  } catch (error) {
    throw plan.fail(`${plan.dirFailure}: ${errorMessage(error)}`, error);
  }
  let process: LoggedProcess;
  try {
    process = await spawnIn(dir, plan);
  } catch (error) {
    await removeDir(dir, plan).catch(() => undefined);
    throw error;
  }

  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= (async () => {
      try {
        await process.stop(plan.stopGraceMs);
        await removeDir(dir, plan);
      } finally {
        release();
      }
    })();
    return stopping;
  }
  // Guarded from the first moment: an interrupt during the start cleans up too.
  const release = guardProcess({
    stop,
    stopSync() {
      process.stopSync(plan.stopSyncGraceMs);
      removeDirSync(dir, plan);
    },
  }, { handleSignals: plan.handleSignals });

  try {
    const readiness = await waitUntilReady(process, () => plan.isReady(dir, process), {
      timeoutMs: plan.startTimeoutMs,
      signal: plan.signal,
    });
    if (readiness !== "ready") {
      await process.stop(plan.stopGraceMs);
      throw await plan.notReady(readiness, process);
    }
  } catch (error) {
    // The start's own error is the one to report, not a failure to clean up after it.
    await stop().catch(() => undefined);
    throw error;
  }
  return { dir, process, stop };
}

async function spawnIn(dir: string, plan: DaemonPlan): Promise<LoggedProcess> {
  const { program, args, logPath, env } = plan.command(dir);
  try {
    return await spawnLogged(program, args, { logPath, ...(env ? { env } : {}) });
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined;
    if (isNotFound(cause)) throw plan.fail(plan.missingProgram, cause);
    throw plan.fail(errorMessage(cause ?? error), cause ?? error);
  }
}
