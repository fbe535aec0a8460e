/**
 * Lanes for `tests/run.ts`: each runs test files one after another, every file in a `deno test`
 * of its own, and all lanes take their next file from one queue, so the heaviest files start
 * first and the lanes end together. A lane without a bed takes only files that need none; a
 * lane with one takes the files that need a bed first, then any.
 *
 * @module
 */

import type { TestFile } from "./test_files.ts";

/** Where files run. */
export interface Lane {
  /** E.g. `bed 2`, or `no bed`. */
  name: string;
  /** The bed's variables (`testBedEnv()`), or none for a lane without a bed. */
  env: Record<string, string> | undefined;
  /** Whether this lane's bed is the one for {@linkcode TestFile.firstBed} files. */
  first: boolean;
}

/** What one file's `deno test` did. */
export interface FileRun {
  file: TestFile;
  lane: Lane;
  /** Exit code; 1 for a process ended by a signal. */
  code: number;
  /** Its standard output and error, in the order they came. */
  output: Uint8Array;
  /** Wall time in seconds. */
  seconds: number;
  /** The counts of deno's summary line; zeros where it printed none. */
  counts: TestCounts;
}

/** The counts in deno test's summary line. */
export interface TestCounts {
  passed: number;
  failed: number;
  ignored: number;
  filteredOut: number;
}

/** Options for {@linkcode runLanes}. */
export interface RunLanesOptions {
  /** Arguments for every `deno test` before the file, e.g. `["--no-check"]`. */
  flags: readonly string[];
  /** Called as each file ends, in the order they end. */
  onFile: (run: FileRun) => void;
  /** Stop starting files once one fails. */
  failFast: boolean;
  /** Stops starting files, and ends the running ones with the given signal. */
  stop: AbortSignal;
  /** The signal to end running files with when `stop` aborts. */
  stopSignal: () => Deno.Signal;
}

/**
 * Runs `files` on `lanes` until every file has run, or `stop` aborts. A lane is added with
 * `addLane` (e.g. once its bed is up) and starts taking files at once.
 *
 * @returns Every file that ran, in the order they ended, once `done()` was called and the lanes
 * are idle; and the files no lane could take.
 */
export function runLanes(files: readonly TestFile[], options: RunLanesOptions): {
  addLane: (lane: Lane) => void;
  done: () => Promise<{ runs: FileRun[]; left: TestFile[] }>;
} {
  const queue = [...files];
  const runs: FileRun[] = [];
  const running = new Set<Deno.ChildProcess>();
  const lanes: Promise<void>[] = [];
  let failed = false;
  options.stop.addEventListener("abort", () => {
    for (const child of running) {
      try {
        child.kill(options.stopSignal());
      } catch {
        // Already gone.
      }
    }
  }, { once: true });

  function next(lane: Lane): TestFile | undefined {
    if (options.stop.aborted || (failed && options.failFast)) return undefined;
    const fits = (file: TestFile): boolean =>
      lane.env === undefined ? !file.needsBed : !file.firstBed || lane.first;
    // A bed lane takes bed files first: a file needing none can run anywhere.
    const index = lane.env === undefined
      ? queue.findIndex(fits)
      : [queue.findIndex((file) => file.needsBed && fits(file)), queue.findIndex(fits)]
        .find((i) => i >= 0) ?? -1;
    return index < 0 ? undefined : queue.splice(index, 1)[0];
  }

  async function work(lane: Lane): Promise<void> {
    for (let file = next(lane); file !== undefined; file = next(lane)) {
      const run = await runFile(file, lane, options.flags, running);
      if (run.code !== 0) failed = true;
      runs.push(run);
      options.onFile(run);
    }
  }

  return {
    addLane: (lane) => lanes.push(work(lane)),
    done: async () => {
      await Promise.all(lanes);
      return { runs, left: queue };
    },
  };
}

async function runFile(
  file: TestFile,
  lane: Lane,
  flags: readonly string[],
  running: Set<Deno.ChildProcess>,
): Promise<FileRun> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    // --expose-gc: tests that bound memory collect garbage first (globalThis.gc).
    args: ["test", "-A", "--v8-flags=--expose-gc", ...flags, file.path],
    ...(lane.env ? { env: lane.env } : {}),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  running.add(child);
  const chunks: Uint8Array[] = [];
  const collect = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
    for await (const chunk of stream) chunks.push(chunk);
  };
  const [status] = await Promise.all([child.status, collect(child.stdout), collect(child.stderr)]);
  running.delete(child);
  const output = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    output.set(chunk, at);
    at += chunk.length;
  }
  return {
    file,
    lane,
    // A child killed by a signal reports no useful code of its own.
    code: status.signal === null ? status.code : 1,
    output,
    seconds: (performance.now() - started) / 1000,
    counts: summaryCounts(new TextDecoder().decode(output)),
  };
}

/**
 * Reads deno test's last summary line (`ok | 5 passed (2 steps) | 0 failed | 1 ignored (3s)`).
 *
 * @param output What the run printed.
 * @returns Its counts; zeros where there is no summary (e.g. the file did not load).
 */
export function summaryCounts(output: string): TestCounts {
  // deno-lint-ignore no-control-regex -- colours, in case a terminal asked for them
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const line = plain.split("\n").findLast((text) => /^(ok|FAILED) \| \d+ passed/.test(text));
  const count = (label: string): number =>
    Number(line?.match(new RegExp(`(\\d+) ${label}`))?.[1] ?? 0);
  return {
    passed: count("passed"),
    failed: count("failed"),
    ignored: count("ignored"),
    filteredOut: count("filtered out"),
  };
}
