/**
 * Running one side of a case as its own process and reading what the operating system says
 * about it: wall time (around the whole process), peak RSS (`/usr/bin/time`'s maximum
 * resident set size, which is the kernel's `ru_maxrss`), and the `BENCH {json}` line a case
 * script prints.
 *
 * @module
 */

/** What one measured process did. */
export interface Measured {
  /** Milliseconds from spawn to exit, as seen by the runner. */
  wallMs: number;
  /** Peak resident set size of the process (the largest of its descendants for a shell). */
  peakRssMiB: number;
  /** The case script's `BENCH` line, parsed; `{}` for commands that print none (curl). */
  result: Record<string, unknown>;
  /** What the process wrote to stdout, minus the `BENCH` line. */
  stdout: string;
}

/** Options for {@linkcode measureProcess}. */
export interface MeasureOptions {
  /** Variables added to the child's environment. */
  env?: Record<string, string>;
  /** Working directory. */
  cwd?: string;
  /** Where `/usr/bin/time` writes its figures. */
  timeFile: string;
  /**
   * Kill the process (and fail) after this many milliseconds, so one hung run cannot stall
   * the whole bench.
   * @default {600000}
   */
  timeoutMs?: number;
}

const TIME_PROGRAM = "/usr/bin/time";
const RESULT_PREFIX = "BENCH ";

/** The command line of a case script under `bench/cases/`, run with the project's config. */
export function caseCommand(script: string, params: unknown): string[] {
  const path = new URL(`./cases/${script}`, import.meta.url).pathname;
  return [Deno.execPath(), "run", "-A", "--quiet", path, JSON.stringify(params)];
}

/** Prints a case script's result for the runner. */
export function report(result: Record<string, unknown>): void {
  // deno-lint-ignore no-console -- the runner reads this line from stdout
  console.log(RESULT_PREFIX + JSON.stringify(result));
}

/**
 * Runs `command` under `/usr/bin/time` and returns its wall time, peak RSS and result line.
 *
 * @throws {Error} When the process fails; the message carries its stderr.
 */
export async function measureProcess(
  command: readonly string[],
  options: MeasureOptions,
): Promise<Measured> {
  const measured = new Deno.Command(TIME_PROGRAM, {
    args: ["-f", "%e %M", "-o", options.timeFile, "--", ...command],
    env: options.env ?? {},
    cwd: options.cwd ?? repoRoot(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const started = performance.now();
  const child = measured.spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // /usr/bin/time does not pass signals on: kill the command it runs, then time itself.
    try {
      const children = Deno.readTextFileSync(`/proc/${child.pid}/task/${child.pid}/children`);
      for (const pid of children.trim().split(/\s+/).filter(Boolean)) {
        Deno.kill(Number(pid), "SIGKILL");
      }
    } catch {
      // Already gone.
    }
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 600_000);
  const output = await child.output().finally(() => clearTimeout(timer));
  const wallMs = performance.now() - started;
  if (timedOut) {
    throw new Error(
      `${command.slice(0, 6).join(" ")} ... did not end within ${options.timeoutMs ?? 600_000} ms`,
    );
  }
  const decoder = new TextDecoder();
  const stdout = decoder.decode(output.stdout);
  if (output.code !== 0) {
    throw new Error(
      `${command.slice(0, 6).join(" ")} ... exited with ${output.code}:\n` +
        decoder.decode(output.stderr).slice(-4000) + stdout.slice(-2000),
    );
  }
  const figures = (await Deno.readTextFile(options.timeFile)).trim().split("\n").at(-1) ?? "";
  await Deno.remove(options.timeFile).catch(() => {});
  const maxRssKiB = Number(figures.split(" ")[1]);
  const { result, rest } = readResult(stdout);
  return { wallMs, peakRssMiB: maxRssKiB / 1024, result, stdout: rest };
}

/**
 * A case script's output split into its `BENCH` line, parsed (`{}` when it printed none),
 * and the other non-empty lines.
 */
export function readResult(stdout: string): { result: Record<string, unknown>; rest: string } {
  let result: Record<string, unknown> = {};
  const kept: string[] = [];
  for (const line of stdout.split("\n")) {
    if (line.startsWith(RESULT_PREFIX)) result = JSON.parse(line.slice(RESULT_PREFIX.length));
    else if (line !== "") kept.push(line);
  }
  return { result, rest: kept.join("\n") };
}

/** A server process started by {@linkcode startServer}. */
export interface StartedServer {
  /** The first line it printed, which says it is ready (and, after `ready `, where). */
  readyLine: string;
  /** Stops it (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a server process (a case's fake service) and waits for the first line it prints,
 * which it prints once it listens.
 *
 * @throws {Error} When it exits before printing a line.
 */
export async function startServer(
  command: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<StartedServer> {
  const child = new Deno.Command(command[0]!, {
    args: command.slice(1),
    env: options.env ?? {},
    cwd: options.cwd ?? repoRoot(),
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  while (!said.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) {
      await child.status;
      throw new Error(`${command.slice(0, 6).join(" ")} ... exited before it was ready`);
    }
    said += value;
  }
  return {
    readyLine: said.slice(0, said.indexOf("\n")),
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
      await reader.cancel().catch(() => {});
    },
  };
}

/** The repository root (the parent of `bench/`). */
export function repoRoot(): string {
  return new URL("../", import.meta.url).pathname.replace(/\/$/, "");
}

/** Median, minimum and maximum of some runs. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** The median, min and max of `values` (the mean of the middle two for an even count). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1
    ? sorted[middle]!
    : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, n: sorted.length };
}

/**
 * Runs `a` and `b` alternately (A B A B ...), `runs` times each, so that machine noise hits
 * both sides alike; `between` runs after every single run (outside the timing).
 */
export async function alternate<A, B>(
  runs: number,
  a: (run: number) => Promise<A>,
  b: (run: number) => Promise<B>,
  between?: () => Promise<void>,
): Promise<{ a: A[]; b: B[] }> {
  const results: { a: A[]; b: B[] } = { a: [], b: [] };
  for (let run = 0; run < runs; run++) {
    results.a.push(await a(run));
    await between?.();
    results.b.push(await b(run));
    await between?.();
  }
  return results;
}
