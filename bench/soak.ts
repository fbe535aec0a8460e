// deno-lint-ignore-file no-console -- the soak reports to the terminal
/**
 * Soak: several workers mix every image operation against one Podman service for a while,
 * and the service is killed and started again every 30 s on the same socket and storage.
 * It passes when no operation hung, every error is one a restart (or the server) explains,
 * everything reported done is in storage and the registry afterwards, and nothing is left
 * behind: no process, no file descriptor, no temp directory.
 *
 * ```sh
 * deno run -A bench/soak.ts                        # an hour, 4 workers
 * PODRX_PODMAN=experimental deno run -A bench/soak.ts --minutes=2   # what CI runs
 * deno run -A bench/soak.ts --help
 * ```
 *
 * bench/README.md says what each check means.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { delay } from "../src/async/delay.ts";
import { keepLoopbackOffProxies, runPodman } from "../tests/bed/env.ts";
import { registriesConfText } from "../tests/bed/podman_service.ts";
import { removeDir } from "../tests/bed/_process.ts";
import { startRegistry } from "../tests/bed/registry.ts";
import { seedImages } from "../tests/bed/seed.ts";
import { PODMAN_VERSION_ENV, selectPodman } from "../tests/bed/select_podman.ts";
import { report, summarize } from "./_measure.ts";
import { checkLedgers, Ledger, type LedgerCheck } from "./_soak_ledger.ts";
import { grownFds, markedProcesses, openFds, type ProcessInfo } from "./_soak_procs.ts";
import { type SoakService, soakService } from "./_soak_service.ts";
import { Tally } from "./_soak_tally.ts";
import { runWorker } from "./_soak_worker.ts";

interface Settings {
  minutes: number;
  workers: number;
  restartEverySeconds: number;
  deadlineSeconds: number;
  seed: number;
}

const USAGE = `Usage: deno run -A bench/soak.ts [options]

  --minutes=N         how long the workers run (default 60)
  --workers=N         how many workers, each with its own client and names (default 4)
  --restart-every=S   seconds between restarts of the service, SIGKILL and SIGTERM in
                      turn (default 30)
  --deadline=S        seconds an operation may take before it counts as hung (default 90)
  --seed=N            seeds the workers' choice of operations (default: random, printed)

PODRX_PODMAN=host|trixie|sid|experimental picks the Podman, as for tests/run.ts.`;

const SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];
const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };
// Descriptors Deno may hold for a moment at either count: a pooled connection to the
// registry not yet dropped, or a second descriptor of a log file (Deno duplicates a file's
// descriptor for the length of an asynchronous write, and the bed's daemons log through
// such writes).
const FD_SLACK = 4;
// How long descriptors and processes get to go away before they count as left behind.
const SETTLE_MS = 10_000;
const START_ATTEMPTS = 3;
// How long a killed service's helpers get to exit before they are counted and killed.
const ORPHAN_GRACE_MS = 5_000;
const REGISTRY = /(^|\/)docker-registry /;

function parseSettings(args: readonly string[]): Settings | undefined {
  const { values } = parseArgs({
    args: [...args],
    options: {
      minutes: { type: "string", default: "60" },
      workers: { type: "string", default: "4" },
      "restart-every": { type: "string", default: "30" },
      deadline: { type: "string", default: "90" },
      seed: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const number = (name: string, text: string, integer: boolean): number => {
    const value = Number(text);
    if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      throw new RangeError(`--${name} must be a positive ${integer ? "integer" : "number"}`);
    }
    return value;
  };
  return {
    minutes: number("minutes", values.minutes, false),
    workers: number("workers", values.workers, true),
    restartEverySeconds: number("restart-every", values["restart-every"], false),
    deadlineSeconds: number("deadline", values.deadline, false),
    seed: values.seed === undefined
      ? crypto.getRandomValues(new Uint32Array(1))[0]!
      : number("seed", values.seed, true),
  };
}

/** Everything the summary and the BENCH line report. */
interface Findings {
  podman: string;
  wallSeconds: number;
  /** The 1-minute load average when the workers started and when they stopped. */
  load: [number, number];
  ledger?: LedgerCheck;
  fds: { before: number; after: number; leaked: string[] };
  processesLeft: string[];
  tempLeft: string[];
  /** What killed services left in Podman's temp directory, by name with digits blanked. */
  podmanTempLeft: Record<string, number>;
  interrupted?: string;
}

async function main(): Promise<number> {
  let settings: Settings | undefined;
  try {
    settings = parseSettings(Deno.args);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n\n${USAGE}`);
    return 2;
  }
  if (!settings) {
    console.log(USAGE);
    return 0;
  }
  keepLoopbackOffProxies();
  // Every process the soak starts inherits this, orphans of a killed service included.
  const marker = `PODRX_SOAK_RUN=${crypto.randomUUID()}`;
  Deno.env.set(marker.slice(0, marker.indexOf("=")), marker.slice(marker.indexOf("=") + 1));

  const interrupt = new AbortController();
  let caught: Deno.Signal | undefined;
  const listeners = SIGNALS.map((signal) => {
    const listener = (): void => {
      if (caught !== undefined) {
        console.error(`podrx soak: ${signal} again; still cleaning up, please wait`);
        return;
      }
      caught = signal;
      console.error(`podrx soak: ${signal}, stopping`);
      interrupt.abort(new Error(`Interrupted by ${signal}`));
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });

  const tally = new Tally();
  const cleanups: (() => Promise<void>)[] = [];
  const findings: Findings = {
    podman: "",
    wallSeconds: 0,
    load: [NaN, NaN],
    fds: { before: 0, after: 0, leaked: [] },
    processesLeft: [],
    tempLeft: [],
    podmanTempLeft: {},
  };
  const top = await Deno.makeTempDir({ prefix: "podrx-soak-" });
  // The soak's own temp files (registry, service directories, seeding) go below `top`, so
  // that what is left of them can be told from other programs' files in /tmp.
  const ownTmp = `${top}/tmp`;
  await Deno.mkdir(ownTmp);
  const tmpBefore = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", ownTmp);
  try {
    const podman = await selectPodman();
    findings.podman = podman.version;
    console.log(
      `podrx soak: ${podman.version} (${Deno.env.get(PODMAN_VERSION_ENV) || "host"}), ` +
        `${settings.workers} workers, ${settings.minutes} min, a restart every ` +
        `${settings.restartEverySeconds} s, deadline ${settings.deadlineSeconds} s, ` +
        `seed ${settings.seed}`,
    );
    const registry = await startRegistry({ signal: interrupt.signal });
    cleanups.push(registry.stop);
    const registriesConf = `${top}/registries.conf`;
    await Deno.writeTextFile(registriesConf, registriesConfText([registry.address]));
    const service = await soakService(top, registriesConf);
    cleanups.push(service.stop);
    await service.start();
    const cli = (args: readonly string[]) => runPodman(service.storage, args);
    const { busybox } = await seedImages({ podman: cli });
    console.log(`podrx soak: service at ${service.socketPath}, registry ${registry.address}`);

    const fdsBefore = openFds();
    const started = performance.now();
    findings.load[0] = Deno.loadavg()[0]!;
    const stop = new AbortController();
    const killer = runKiller(service, tally, settings, marker, stop.signal, interrupt.signal);
    const workers = Array.from({ length: settings.workers }, (_, index) =>
      runWorker({
        id: index + 1,
        socketPath: service.socketPath,
        registry: registry.address,
        baseImage: busybox.name,
        dir: `${top}/w${index + 1}`,
        seed: settings!.seed + index,
        deadlineMs: settings!.deadlineSeconds * 1000,
        tally,
        stop: stop.signal,
        interrupt: interrupt.signal,
      }).then(
        (ledger) => [index + 1, ledger] as const,
        // A worker that throws is the soak's own bug; the others go on. Handled here, at
        // once: an unhandled rejection would end the process before its cleanup.
        (error) => {
          tally.fail(index + 1, "worker", error instanceof Error ? error.stack ?? "" : `${error}`);
          return [index + 1, new Ledger()] as const;
        },
      ));
    const progress = setInterval(() => {
      const total = Object.values(tally.counts()).flatMap(Object.values)
        .reduce((sum, n) => sum + n, 0);
      console.log(
        `podrx soak: ${tally.secondsSince(performance.now())} s, ${total} operations, ` +
          `${tally.restarts.length} restarts, ${tally.failures.length} failures`,
      );
    }, 60_000);
    // The killer ends early only when the service would not start again.
    await Promise.race([
      delay(settings.minutes * 60_000, interrupt.signal).catch(() => {}),
      killer.catch(() => {}),
    ]);
    stop.abort();
    clearInterval(progress);
    await killer.catch((error) => tally.fail(0, "restart", error.message));
    const ledgers = new Map<number, Ledger>(await Promise.all(workers));
    // A worker's directory holds its build context and, for a moment, each archive it saves
    // (removed by the worker); podrx writes a probe file next to a file or context it may
    // hand to the service in place, and must remove it again on every path.
    for (const id of ledgers.keys()) {
      for (const left of strayFiles(`${top}/w${id}`, ["context", "context/Containerfile"])) {
        tally.fail(id, "files", `left in the worker's directory: ${left}`);
      }
    }
    findings.wallSeconds = (performance.now() - started) / 1000;
    findings.load[1] = Deno.loadavg()[0]!;
    if (caught !== undefined) {
      findings.interrupted = caught;
    } else {
      try {
        findings.ledger = await checkLedgers(
          ledgers,
          cli,
          service.storage.root,
          registry.address,
        );
        for (const line of findings.ledger.contradictions) tally.fail(0, "storage", line);
      } catch (error) {
        tally.fail(0, "storage", error instanceof Error ? error.message : String(error));
      }
    }

    // The workers' clients are closed: what this process holds beyond the services' own
    // (the same now as before the workers began) is left over from the operations.
    findings.fds = await settledFds(fdsBefore);
    if (findings.fds.after > findings.fds.before + FD_SLACK) {
      tally.fail(
        0,
        "fds",
        `${findings.fds.before} open before the workers, ${findings.fds.after} after: ` +
          findings.fds.leaked.join(", "),
      );
    }
  } catch (error) {
    if (caught === undefined) {
      tally.fail(0, "soak", error instanceof Error ? error.stack ?? error.message : `${error}`);
    } else findings.interrupted = caught;
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error) =>
        tally.fail(0, "cleanup", error instanceof Error ? error.message : String(error))
      );
    }
    findings.processesLeft = (await settledProcesses(marker, SETTLE_MS))
      .map(({ pid, command }) => `${pid} ${command}`);
    for (const left of findings.processesLeft) {
      tally.fail(0, "processes", `left running: ${left}`);
    }
    findings.tempLeft = [...Deno.readDirSync(ownTmp)].map((entry) => entry.name);
    for (const left of findings.tempLeft) tally.fail(0, "temp", `left in TMPDIR: ${left}`);
    findings.podmanTempLeft = entriesByName(`${top}/podman-tmp`);
    if (tmpBefore === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", tmpBefore);
    await removeDir(top).catch((error) =>
      tally.fail(0, "cleanup", `Cannot remove ${top}: ${error.message}`)
    );
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
  printSummary(tally, settings, findings);
  if (caught !== undefined) return SIGNAL_EXIT_CODES[caught] ?? 1;
  return tally.failures.length === 0 ? 0 : 1;
}

/**
 * Every `restartEverySeconds`: ends the service (SIGKILL, then SIGTERM next time, in turn),
 * notes any process the dead service left, and starts it again on the same socket and
 * storage. Rejects when the service does not start again after a few tries.
 */
async function runKiller(
  service: SoakService,
  tally: Tally,
  settings: Settings,
  marker: string,
  stop: AbortSignal,
  interrupt: AbortSignal,
): Promise<void> {
  const done = AbortSignal.any([stop, interrupt]);
  for (let round = 0;; round++) {
    try {
      await delay(settings.restartEverySeconds * 1000, done);
    } catch {
      return;
    }
    const restart = tally.down();
    restart.stopped = await service.kill(round % 2 === 0 ? "SIGKILL" : "SIGTERM");
    // Only the registry may run now. Orphans are what the dead service left (Podman's
    // helpers, buildah-copier or a build step, may take a moment to notice and exit); a
    // child of this process is the soak's own, left behind.
    const left = await settledProcesses(marker, ORPHAN_GRACE_MS, REGISTRY);
    for (const { pid, ppid, command } of left) {
      const where = `after ${restart.stopped.signal} at ${tally.secondsSince(restart.down)} s`;
      if (ppid === Deno.pid) {
        tally.fail(0, "processes", `${where}, left running: ${pid} ${command}`);
      } else tally.orphans.push(`${where}: ${pid} ${command}`);
    }
    const starting = performance.now();
    for (let attempt = 1;; attempt++) {
      try {
        await service.start();
        break;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        tally.fail(0, "restart", `start ${attempt} after ${restart.stopped.signal}: ${message}`);
        if (attempt === START_ATTEMPTS || interrupt.aborted) throw error;
      }
    }
    restart.startMs = performance.now() - starting;
    tally.up(restart);
  }
}

/** Counts this process's descriptors until they are back near `before`, or time is up. */
async function settledFds(before: Map<number, string>): Promise<Findings["fds"]> {
  const deadline = performance.now() + SETTLE_MS;
  let after = openFds();
  while (after.size > before.size + FD_SLACK && performance.now() < deadline) {
    await delay(250);
    after = openFds();
  }
  return { before: before.size, after: after.size, leaked: grownFds(before, after) };
}

/**
 * The run's processes (but those `spared` matches) still there after `graceMs` to exit;
 * they are killed.
 */
async function settledProcesses(
  marker: string,
  graceMs: number,
  spared?: RegExp,
): Promise<ProcessInfo[]> {
  const deadline = performance.now() + graceMs;
  const running = () =>
    markedProcesses(marker).filter(({ command }) => !spared || !spared.test(command));
  let left = running();
  while (left.length > 0 && performance.now() < deadline) {
    await delay(250);
    left = running();
  }
  for (const { pid } of left) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
  return left;
}

/** Paths below `dir` (relative to it) other than `expected`. */
function strayFiles(dir: string, expected: readonly string[]): string[] {
  const stray: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of Deno.readDirSync(relative === "" ? dir : `${dir}/${relative}`)) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (!expected.includes(path)) stray.push(path);
      else if (entry.isDirectory) walk(path);
    }
  };
  try {
    walk("");
  } catch {
    // A worker that never began has no directory.
  }
  return stray;
}

function entriesByName(dir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  try {
    for (const entry of Deno.readDirSync(dir)) {
      const name = entry.name.replace(/\d+/g, "N");
      counts[name] = (counts[name] ?? 0) + 1;
    }
  } catch {
    // No such directory: nothing left.
  }
  return counts;
}

function printSummary(tally: Tally, settings: Settings, findings: Findings): void {
  const counts = tally.counts();
  const outcomes = [...new Set(Object.values(counts).flatMap(Object.keys))]
    .sort((a, b) => (a === "ok" ? -1 : b === "ok" ? 1 : a.localeCompare(b)));
  const width = Math.max(4, ...Object.keys(counts).map((kind) => kind.length));
  const row = (cells: string[]) =>
    cells.map((cell, index) =>
      index === 0 ? cell.padEnd(width) : cell.padStart(Math.max(6, outcomes[index - 1]!.length))
    ).join("  ");
  console.log("");
  console.log(
    `podrx soak: ${findings.podman}, ${findings.wallSeconds.toFixed(0)} s of work, load ` +
      `average ${findings.load[0].toFixed(2)} at the start, ${findings.load[1].toFixed(2)} at ` +
      "the end",
  );
  console.log(row(["operation", ...outcomes]));
  for (const [kind, byOutcome] of Object.entries(counts)) {
    console.log(row([kind, ...outcomes.map((outcome) => String(byOutcome[outcome] ?? ""))]));
  }
  const total = Object.values(counts).flatMap(Object.values).reduce((sum, n) => sum + n, 0);
  const restarts = tally.restarts.filter((restart) => restart.stopped !== undefined);
  const term = restarts.filter((restart) => restart.stopped!.signal === "SIGTERM");
  const termExit = summarize(term.map((restart) => restart.stopped!.exitMs));
  const start = summarize(
    restarts.flatMap((restart) => restart.startMs === undefined ? [] : [restart.startMs]),
  );
  console.log(
    `restarts: ${restarts.length} (${restarts.length - term.length} SIGKILL, ${term.length} ` +
      `SIGTERM: exit median ${termExit.median.toFixed(0)} ms, max ${termExit.max.toFixed(0)} ms, ` +
      `${term.filter((restart) => restart.stopped!.forced).length} needed SIGKILL); start ` +
      `median ${start.median.toFixed(0)} ms, max ${start.max.toFixed(0)} ms`,
  );
  if (findings.ledger) {
    const { confirmed, unknown, contradictions, broken } = findings.ledger;
    console.log(
      `storage and registry: ${confirmed.image} image names, ${confirmed.manifest} manifest ` +
        `lists, ${confirmed.pushed} pushed tags as reported; ${unknown} names not checked ` +
        `(their last operation failed); ${contradictions.length} contradictions`,
    );
    console.log(
      `broken images in storage (no manifest: a service killed while writing them; removed ` +
        `before the check; not failures): ${broken.length === 0 ? "none" : broken.join("; ")}`,
    );
  }
  console.log("first error of each kind and outcome:");
  for (const [key, message] of [...tally.samples].sort()) {
    console.log(`  ${key}: ${message.replaceAll("\n", " ").slice(0, 300)}`);
  }
  console.log(
    `processes a killed service left running ${ORPHAN_GRACE_MS / 1000} s after it exited ` +
      `(killed; not failures): ${tally.orphans.length}`,
  );
  for (const line of tally.orphans.slice(0, 10)) console.log(`  ${line}`);
  console.log(
    `API errors with the service up all along (counted, not failures): ` +
      `${tally.unexplained.length}`,
  );
  for (const line of tally.unexplained.slice(0, 10)) console.log(`  ${line}`);
  console.log(
    `file descriptors: ${findings.fds.before} before the workers, ${findings.fds.after} after; ` +
      `processes left: ${findings.processesLeft.length}; temp entries left: ` +
      `${findings.tempLeft.length}`,
  );
  const podmanTemp = Object.entries(findings.podmanTempLeft);
  console.log(
    `left in Podman's own TMPDIR (by killed services and aborted builds; not failures): ${
      podmanTemp.length === 0 ? "nothing" : podmanTemp.map(([name, n]) => `${n} ${name}`).join(", ")
    }`,
  );
  for (const line of findings.fds.leaked.slice(0, 20)) console.log(`  grown: ${line}`);
  console.log(`failures: ${tally.failures.length}`);
  for (const failure of tally.failures.slice(0, 30)) {
    const who = failure.worker === 0 ? "soak" : `worker ${failure.worker}`;
    console.log(`  [${failure.atS} s] ${who} ${failure.kind}: ${failure.detail}`);
  }
  if (tally.failures.length > 30) console.log(`  ... and ${tally.failures.length - 30} more`);
  const verdict = findings.interrupted
    ? `INTERRUPTED (${findings.interrupted})`
    : tally.failures.length === 0
    ? "PASS"
    : "FAIL";
  console.log(`podrx soak: ${verdict}`);
  report({
    case: "soak",
    podman: findings.podman,
    minutes: settings.minutes,
    workers: settings.workers,
    restartEverySeconds: settings.restartEverySeconds,
    deadlineSeconds: settings.deadlineSeconds,
    seed: settings.seed,
    wallSeconds: Math.round(findings.wallSeconds),
    loadAverage: findings.load,
    operations: total,
    outcomes: counts,
    restarts: {
      count: restarts.length,
      sigterm: term.length,
      sigtermExitMs: termExit,
      startMs: start,
    },
    ledger: findings.ledger
      ? {
        ...findings.ledger.confirmed,
        unknown: findings.ledger.unknown,
        brokenImages: findings.ledger.broken.length,
      }
      : null,
    unexplainedApiErrors: tally.unexplained.length,
    orphans: tally.orphans.length,
    fds: { before: findings.fds.before, after: findings.fds.after },
    processesLeft: findings.processesLeft.length,
    tempLeft: findings.tempLeft.length,
    podmanTempLeft: findings.podmanTempLeft,
    failures: tally.failures.length,
    verdict,
  });
}

if (import.meta.main) Deno.exit(await main());
