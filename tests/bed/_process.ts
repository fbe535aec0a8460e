/**
 * Process plumbing shared by the test bed's services: spawn a daemon with its
 * output in a log file, wait for it to answer, stop it, and clean up after it.
 *
 * @module
 */

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
  readonly status: Promise<Deno.CommandStatus>;
  /** The last lines of the log file. */
  tail(): Promise<string>;
  /**
   * Sends SIGTERM, then SIGKILL if the process is still there after `graceMs`, and waits
   * for it to exit and for its output to be flushed. Safe to call more than once.
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns `command` with stdout and stderr appended to `options.logPath`.
 *
 * @param command The program to run.
 * @param args Its arguments.
 * @param options Log file and environment.
 * @returns The running process.
 */
export async function spawnLogged(
  command: string,
  args: readonly string[],
  options: SpawnLoggedOptions,
): Promise<LoggedProcess> {
  // Two append-mode handles on one file: O_APPEND keeps each write whole, so stdout and
  // stderr interleave line by line as they would on a terminal.
  const outFile = await Deno.open(options.logPath, { append: true, create: true });
  const errFile = await Deno.open(options.logPath, { append: true, create: true });
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args: [...args],
      env: options.env ?? {},
      clearEnv: options.clearEnv ?? false,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    outFile.close();
    errFile.close();
    throw new Error(`Cannot start ${command}: ${errorMessage(error)}`, { cause: error });
  }

  // A grandchild that inherits the pipes could keep them open after the daemon is gone;
  // this lets stop() give up on the output instead of hanging.
  const pipeAbort = new AbortController();
  const pipes = Promise.allSettled([
    child.stdout.pipeTo(outFile.writable, { signal: pipeAbort.signal }),
    child.stderr.pipeTo(errFile.writable, { signal: pipeAbort.signal }),
  ]);

  let hasExited = false;
  const status = child.status.finally(() => {
    hasExited = true;
  });

  let stopping: Promise<void> | undefined;
  async function stopOnce(graceMs: number): Promise<void> {
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
    tail: () => logTail(options.logPath),
    stop(graceMs = 5_000): Promise<void> {
      stopping ??= stopOnce(graceMs);
      return stopping;
    },
  };
}

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
 * @param probe Resolves to `true` once the daemon answers. Must not reject.
 * @param options Time limit, interval and cancellation.
 * @returns Why the wait ended.
 */
export async function waitUntilReady(
  daemon: LoggedProcess,
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

/**
 * Reads the last lines of a log file, or a note saying why it could not.
 *
 * @param path The log file.
 * @param lines How many lines to keep.
 * @returns The tail, ready to append to an error message.
 */
export async function logTail(path: string, lines = 40): Promise<string> {
  try {
    const text = await Deno.readTextFile(path);
    const tail = text.trimEnd().split("\n").slice(-lines).join("\n");
    return tail === "" ? "(log is empty)" : tail;
  } catch (error) {
    return `(cannot read ${path}: ${errorMessage(error)})`;
  }
}

/**
 * Removes a directory tree, falling back to `rm -rf` for what `Deno.remove` cannot delete
 * (read-only directories inside image layers, leftover mounts).
 *
 * @param dir The directory to remove; a missing directory is not an error.
 */
export async function removeDir(dir: string): Promise<void> {
  try {
    await Deno.remove(dir, { recursive: true });
    return;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
  }
  await unmountUnder(dir);
  const { code, stderr } = await new Deno.Command("rm", {
    args: ["-rf", "--one-file-system", dir],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `Cannot remove ${dir}: rm -rf exited with ${code}: ${new TextDecoder().decode(stderr)}`,
    );
  }
}

/** Turns anything thrown into a message. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Lazily unmounts anything mounted below `dir`, deepest first, so that `rm -rf` does not
 * stop at a busy mount point or, worse, descend into a mounted filesystem.
 */
async function unmountUnder(dir: string): Promise<void> {
  let mountinfo: string;
  try {
    mountinfo = await Deno.readTextFile("/proc/self/mountinfo");
  } catch {
    return;
  }
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const mountPoints = mountinfo
    .split("\n")
    // Field 5 is the mount point, with spaces and the like written as octal escapes.
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => point !== undefined)
    .map((point) =>
      point.replace(/\\([0-7]{3})/g, (_, oct) => String.fromCharCode(parseInt(oct, 8)))
    )
    .filter((point) => point.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const point of mountPoints) {
    await new Deno.Command("umount", { args: ["-l", point], stdout: "null", stderr: "null" })
      .output()
      .catch(() => undefined);
  }
}

function signalChild(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // It exited between the check and the kill.
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
