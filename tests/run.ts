// deno-lint-ignore-file no-console -- the runner reports to the terminal
/**
 * Test runner: type-checks the test files once, starts test beds (each three registries: open,
 * basic auth and token auth, the token auth's token service, and a private Podman service with
 * seeded images), runs the files in lanes at once, and always tears the beds down again.
 *
 * ```sh
 * deno run -A tests/run.ts [deno test args...]   # default: tests/
 * PODRX_PODMAN=sid deno run -A tests/run.ts ... # against a chroot's Podman (.ci/chroot/build sid)
 * PODRX_TEST_SERVICES=3 deno run -A tests/run.ts # three beds (default 2)
 * ```
 *
 * Every file runs in a `deno test` of its own (tests/bed/lanes.ts): the files that need no bed
 * in one lane, the others over `PODRX_TEST_SERVICES` lanes, each with a bed of its own, so
 * no file shares a service, a storage or a registry with a file running at the same time, and
 * the files of one lane run one after another as they always did. A file's output is printed
 * whole when it ends; a summary of the run comes last.
 *
 * A bed that does not start fails the run with exit code 1; tests never skip for lack of
 * services. Any file that fails makes the exit code 1; SIGINT and SIGTERM end every file,
 * stop every bed, and exit with 130 and 143.
 *
 * @module
 */

import { keepLoopbackOffProxies, testBedEnv } from "./bed/env.ts";
import { type FileRun, runLanes } from "./bed/lanes.ts";
import { selectPodman } from "./bed/select_podman.ts";
import { runCleanups, startBed } from "./bed/start_bed.ts";
import { planTests, type TestPlan } from "./bed/test_files.ts";

const SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];
const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };
const SERVICES_ENV = "PODRX_TEST_SERVICES";
const DEFAULT_SERVICES = 2;

async function main(testArgs: readonly string[]): Promise<number> {
  const cleanups: (() => Promise<void>)[] = [];
  const interrupt = new AbortController();
  let caught: Deno.Signal | undefined;

  function onSignal(signal: Deno.Signal): void {
    if (caught !== undefined) {
      console.error(`podrx test run: ${signal} again; still stopping services, please wait`);
      return;
    }
    caught = signal;
    console.error(`podrx test run: ${signal}, stopping`);
    // Ends the type check, a bed's start and every running file (a terminal's Ctrl-C reaches
    // them too, but a SIGTERM sent to the runner alone does not).
    interrupt.abort(new Error(`Interrupted by ${signal}`));
  }
  const listeners = SIGNALS.map((signal) => {
    const listener = (): void => onSignal(signal);
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });

  try {
    const started = performance.now();
    let plan: TestPlan;
    let services: number;
    try {
      plan = await planTests(testArgs);
      services = serviceCount(plan);
    } catch (error) {
      console.error(`podrx test run: ${error instanceof Error ? error.message : error}`);
      return 1;
    }
    const bedFiles = plan.files.filter((file) => file.needsBed).length;
    console.log(
      `podrx test run: ${plan.files.length} files, ${bedFiles} of them on ${services} ` +
        `bed${services === 1 ? "" : "s"}, the others beside them`,
    );

    const podman = services > 0 ? await selectPodman() : undefined;
    if (podman) console.log(`podrx test bed: ${podman.version} (${podman.program})`);
    // The beds start while the files are checked; their failures are awaited below.
    const beds = Array.from({ length: services }, (_, index) =>
      startBed(cleanups, {
        label: `podrx test bed ${index + 1}`,
        // The first bed is the one rootless discovery finds (tests/bed/test_files.ts FIRST_BED).
        userSocket: index === 0,
        signal: interrupt.signal,
      }));
    const bedsSettled = Promise.allSettled(beds);

    if (plan.check && !(await typeCheck(plan, interrupt.signal))) {
      await bedsSettled;
      return caught !== undefined ? SIGNAL_EXIT_CODES[caught] ?? 1 : 1;
    }

    const lanes = runLanes(plan.files, {
      // Checked above, once for all.
      flags: plan.check ? [...plan.flags, "--no-check"] : plan.flags,
      failFast: plan.failFast,
      stop: interrupt.signal,
      stopSignal: () => caught ?? "SIGTERM",
      onFile: printRun,
    });
    if (plan.files.length > bedFiles) {
      lanes.addLane({ name: "no bed", env: undefined, first: false });
    }

    let bedError: unknown;
    for (const [index, settled] of (await bedsSettled).entries()) {
      if (settled.status === "rejected") {
        bedError ??= settled.reason;
        continue;
      }
      lanes.addLane({
        name: `bed ${index + 1}`,
        env: testBedEnv(settled.value),
        first: index === 0,
      });
    }
    if (bedError === undefined) {
      if (services > 0) console.log(`podrx test bed: ready in ${seconds(started)} s`);
    } else if (caught === undefined) {
      console.error("podrx test bed: FAILED to start; no more tests are started");
      console.error(bedError instanceof Error ? bedError.message : bedError);
      interrupt.abort(bedError);
    }

    const { runs, left } = await lanes.done();
    printSummary(runs, left.length, seconds(started), caught);
    if (caught !== undefined) return SIGNAL_EXIT_CODES[caught] ?? 1;
    const failed = bedError !== undefined || left.length > 0 || runs.some((run) => run.code !== 0);
    return failed ? 1 : 0;
  } finally {
    await runCleanups(
      cleanups,
      (error) =>
        console.error(
          `podrx test bed: cleanup failed: ${error instanceof Error ? error.message : error}`,
        ),
    );
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
}

/** How many beds: `PODRX_TEST_SERVICES` (default 2), no more than the files that need one. */
function serviceCount(plan: TestPlan): number {
  const wanted = Deno.env.get(SERVICES_ENV) ?? String(DEFAULT_SERVICES);
  if (!/^[1-9]\d*$/.test(wanted)) {
    throw new Error(`${SERVICES_ENV} must be a whole number of 1 or more, not ${wanted}`);
  }
  return Math.min(Number(wanted), plan.files.filter((file) => file.needsBed).length);
}

/** `deno check` of every file at once: the library is checked once, not once per file. */
async function typeCheck(plan: TestPlan, signal: AbortSignal): Promise<boolean> {
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", ...plan.files.map((file) => file.path)],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
    signal,
  }).output().catch(() => undefined);
  if (!output?.success) {
    if (!signal.aborted) console.error("podrx test run: type checking FAILED; no tests were run");
    return false;
  }
  console.log(`podrx test run: type-checked ${plan.files.length} files in ${seconds(started)} s`);
  return true;
}

function printRun(run: FileRun): void {
  // A pipe may take less than all at once.
  for (let at = 0; at < run.output.length;) {
    at += Deno.stdout.writeSync(run.output.subarray(at));
  }
  const outcome = run.code === 0 ? "ok" : `FAILED (exit code ${run.code})`;
  console.log(
    `podrx test run: ${run.file.path} on ${run.lane.name}: ${outcome}, ` +
      `${run.seconds.toFixed(1)} s\n`,
  );
}

function printSummary(
  runs: readonly FileRun[],
  notRun: number,
  total: string,
  caught: Deno.Signal | undefined,
): void {
  const sum = (key: keyof FileRun["counts"]): number =>
    runs.reduce((count, run) => count + run.counts[key], 0);
  const lanes = new Map<string, { files: number; seconds: number }>();
  for (const run of runs) {
    const lane = lanes.get(run.lane.name) ?? { files: 0, seconds: 0 };
    lane.files++;
    lane.seconds += run.seconds;
    lanes.set(run.lane.name, lane);
  }
  const failedFiles = runs.filter((run) => run.code !== 0);
  console.log(
    "podrx test run: " + [
      caught !== undefined
        ? `INTERRUPTED (${caught})`
        : failedFiles.length === 0 && notRun === 0
        ? "ok"
        : "FAILED",
      `${sum("passed")} passed`,
      `${sum("failed")} failed`,
      `${sum("ignored")} ignored`,
      ...(sum("filteredOut") > 0 ? [`${sum("filteredOut")} filtered out`] : []),
      `${runs.length} files${notRun > 0 ? `, ${notRun} not run` : ""}`,
      `${total} s`,
    ].join(" | "),
  );
  console.log(
    "podrx test run: lanes: " +
      [...lanes].map(([name, lane]) => `${name} ${lane.files} files ${lane.seconds.toFixed(0)} s`)
        .join(", "),
  );
  for (const run of failedFiles) {
    console.log(`podrx test run: FAILED ${run.file.path} (on ${run.lane.name})`);
  }
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

if (import.meta.main) {
  keepLoopbackOffProxies();
  Deno.exit(await main(Deno.args));
}
