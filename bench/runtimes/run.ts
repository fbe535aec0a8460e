// deno-lint-ignore-file no-console -- a command-line tool reports on the terminal
/**
 * The runtimes bench (issue 22): podrx on Node 24, Bun and Deno against dockerode (Node 24)
 * and curl, on the same socket, in one run, so the ratios stand side by side.
 *
 * ```sh
 * deno task bench:runtimes                   # every case, 3 rounds; updates bench/RESULTS.md
 * deno task bench:runtimes --rounds=5        # more rounds
 * deno task bench:runtimes --only=load,save  # some cases: bench/out/RESULTS.runtimes.partial.md
 * deno task bench:runtimes --quick           # small sizes, 1 round: to try the bench itself
 * ```
 *
 * Node 24 and Bun come from $PODRX_NPM_RUNTIMES (default /var/cache/podrx/npm-runtimes, where
 * .ci/npm installs them). The runner builds the npm package (`deno task build:npm`), packs
 * it, and installs it with dockerode into a copy of bench/runtimes/ in its temp directory;
 * starts a bench bed (bench/_bed.ts); makes the fixtures once; then for each case runs every
 * side as its own process under `/usr/bin/time` (peak RSS), the sides' order rotated round by
 * round so that the shared machine's drift falls on all of them.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  type Bed,
  makeBigImage,
  makeContext,
  removeImage,
  seedBusybox,
  seedListImages,
  startBed,
} from "../_bed.ts";
import { type Measured, measureProcess, repoRoot, summarize, type Summary } from "../_measure.ts";

const MiB = 1024 * 1024;
const HERE = new URL("./", import.meta.url).pathname;
// The list and cold start first, while the storage holds only small images: Podman 4.3 on vfs
// lists slower the more (and the larger) images it holds, which would time the server, not
// the clients.
const CASE_NAMES = ["list", "cold", "firstLog", "context", "load", "save"] as const;
type CaseName = typeof CASE_NAMES[number];
const SIDES = ["node", "bun", "deno", "dockerode", "curl"] as const;
type Side = typeof SIDES[number];
const SIDE_LABELS: Record<Side, string> = {
  node: "podrx on Node 24",
  bun: "podrx on Bun",
  deno: "podrx on Deno",
  dockerode: "dockerode on Node 24",
  curl: "curl",
};

interface Settings {
  rounds: number;
  quick: boolean;
  only: CaseName[];
  contextFiles: number;
  contextBytes: number;
  archiveBytes: number;
  listCalls: number;
}

function parseSettings(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: "string" },
      quick: { type: "boolean", default: false },
      only: { type: "string" },
    },
  });
  const only = values.only ? values.only.split(",") as CaseName[] : [...CASE_NAMES];
  for (const name of only) {
    if (!CASE_NAMES.includes(name)) throw new Error(`unknown case ${name} (${CASE_NAMES})`);
  }
  const quick = values.quick;
  return {
    rounds: Number(values.rounds ?? (quick ? 1 : 3)),
    quick,
    only,
    contextFiles: quick ? 500 : 5000,
    contextBytes: (quick ? 16 : 256) * MiB,
    archiveBytes: (quick ? 32 : 512) * MiB,
    listCalls: quick ? 20 : 200,
  };
}

/** The programs of each runtime, from .ci/npm's install. */
function runtimes(): { node: string; bun: string } {
  const dir = Deno.env.get("PODRX_NPM_RUNTIMES") ?? "/var/cache/podrx/npm-runtimes";
  const node = `${dir}/node24/node_modules/.bin/node`;
  const bun = `${dir}/bun/node_modules/.bin/bun`;
  for (const program of [node, bun]) {
    try {
      Deno.statSync(program);
    } catch {
      throw new Error(`${program} is missing: run .ci/npm once (it installs Node and Bun there)`);
    }
  }
  return { node, bun };
}

async function run(command: string, args: string[], cwd?: string): Promise<string> {
  const output = await new Deno.Command(command, { args, cwd: cwd ?? repoRoot(), stdin: "null" })
    .output();
  const decoder = new TextDecoder();
  if (output.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${decoder.decode(output.stderr)}`);
  }
  return decoder.decode(output.stdout);
}

/** Builds and packs podrx, and installs it with dockerode into `work/project`. */
async function installProject(work: string, bun: string): Promise<string> {
  const project = `${work}/project`;
  await Deno.mkdir(project);
  await run(Deno.execPath(), ["task", "build:npm", `--out=${work}/npm`]);
  const packed = (await run("npm", ["pack", `${work}/npm`, "--pack-destination", project]))
    .trim().split("\n").at(-1)!;
  await Deno.rename(`${project}/${packed}`, `${project}/podrx.tgz`);
  for await (const entry of Deno.readDir(HERE)) {
    if (entry.name.endsWith(".mjs")) {
      await Deno.copyFile(`${HERE}${entry.name}`, `${project}/${entry.name}`);
    }
  }
  // Named apart here: a package.json beside podrx_deno.ts would be its project for Deno.
  await Deno.copyFile(`${HERE}npm_project.json`, `${project}/package.json`);
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], project);
  const bunVersion = (await run(bun, ["--version"])).trim();
  const dockerode = JSON.parse(
    await Deno.readTextFile(`${project}/node_modules/dockerode/package.json`),
  ) as { version: string };
  console.log(`  installed podrx (packed) and dockerode ${dockerode.version}; bun ${bunVersion}`);
  return project;
}

interface Fixtures {
  firstLogContext: string;
  context: string;
  archive: string;
  image: string;
  saveOut: string;
}

async function makeFixtures(bed: Bed, work: string, settings: Settings): Promise<Fixtures> {
  const base = "localhost/bench/busybox";
  await seedBusybox(bed, work, base);
  await seedListImages(bed, work, 10);
  const firstLogContext = `${work}/first-log`;
  await Deno.mkdir(firstLogContext);
  // No RUN: Podman 4.3's Docker-compatible build (dockerode's) runs RUN with OCI isolation
  // whatever the service's BUILDAH_ISOLATION or the query's `isolation=chroot` say, and OCI
  // fails on this host ("cgroups in hybrid mode not supported"); the libpod build does not.
  await Deno.writeTextFile(
    `${firstLogContext}/Dockerfile`,
    `FROM ${base}\nLABEL podrx.bench=first-log\n`,
  );
  const context = `${work}/context`;
  if (settings.only.includes("context")) {
    console.log(`  making the context (${settings.contextFiles} files)`);
    await makeContext(context, settings.contextFiles, settings.contextBytes);
  }
  const archive = `${work}/big.tar`;
  let image = "localhost/bench/busybox";
  if (settings.only.includes("load") || settings.only.includes("save")) {
    console.log(`  making a ${settings.archiveBytes / MiB} MiB image and its archive`);
    image = await makeBigImage(
      bed,
      work,
      "localhost/bench/big:latest",
      settings.archiveBytes,
      archive,
    );
  }
  return { firstLogContext, context, archive, image, saveOut: `${work}/saved.tar` };
}

/** The command of one side of one case, or `undefined` when the side has none. */
function commandOf(
  side: Side,
  name: CaseName,
  params: Record<string, unknown>,
  ctx: { project: string; node: string; bun: string; bed: Bed; fixtures: Fixtures },
): string[] | undefined {
  const json = JSON.stringify(params);
  if (side === "node") return [ctx.node, `${ctx.project}/podrx_npm.mjs`, name, json];
  if (side === "bun") return [ctx.bun, `${ctx.project}/podrx_npm.mjs`, name, json];
  if (side === "dockerode") return [ctx.node, `${ctx.project}/dockerode.mjs`, name, json];
  if (side === "deno") {
    return [Deno.execPath(), "run", "-A", "--quiet", `${HERE}podrx_deno.ts`, name, json];
  }
  const api = `http://d/v${ctx.bed.apiVersion}/libpod`;
  const curl = ["curl", "-sS", "--fail", "--unix-socket", ctx.bed.socketPath];
  const { fixtures } = ctx;
  switch (name) {
    case "load":
      return [
        ...curl,
        ...["-o", "/dev/null", "-X", "POST", "-H", "Content-Type: application/x-tar"],
        ...["-T", fixtures.archive, `${api}/images/load`],
      ];
    case "save":
      return [...curl, "-o", fixtures.saveOut, `${api}/images/${fixtures.image}/get`];
    case "context":
      return [
        "sh",
        "-c",
        `tar -c -C '${fixtures.context}' . | ${curl.join(" ")} -o /dev/null -X POST ` +
        `-H 'Content-Type: application/x-tar' -T - '${api}/build?dockerfile=Dockerfile'`,
      ];
    case "list": {
      const count = params.count as number;
      const urls = Array.from({ length: count }, () => ["-o", "/dev/null", `${api}/images/json`]);
      return [...curl, ...urls.flat()];
    }
    case "cold":
      return [...curl, "-o", "/dev/null", `${api}/images/json`];
    case "firstLog":
      return undefined;
  }
}

/** Writes back what the runs before wrote (untimed), so that no run pays for another's. */
async function flushWrites(): Promise<void> {
  await run("sync", []);
}

interface CaseRuns {
  name: CaseName;
  runs: Partial<Record<Side, Measured[]>>;
  seconds: number;
}

async function runCase(
  name: CaseName,
  settings: Settings,
  ctx: { project: string; node: string; bun: string; bed: Bed; fixtures: Fixtures; work: string },
): Promise<CaseRuns> {
  const started = performance.now();
  const { fixtures, bed } = ctx;
  const params: Record<string, unknown> = { socketPath: bed.socketPath };
  if (name === "firstLog") params.context = fixtures.firstLogContext;
  if (name === "context") params.context = fixtures.context;
  if (name === "load") params.archive = fixtures.archive;
  if (name === "save") Object.assign(params, { image: fixtures.image, out: fixtures.saveOut });
  if (name === "list") params.count = settings.listCalls;
  const heavy = name === "context" || name === "load" || name === "save";
  const sides = SIDES.filter((side) => commandOf(side, name, params, ctx) !== undefined);
  const runs: Partial<Record<Side, Measured[]>> = {};
  const measure = async (side: Side): Promise<Measured> => {
    const measured = await measureProcess(commandOf(side, name, params, ctx)!, {
      timeFile: `${ctx.work}/time.txt`,
      timeoutMs: 300_000,
    });
    if (name === "save") await Deno.remove(fixtures.saveOut);
    if (heavy) await flushWrites();
    return measured;
  };
  // Warm-up (untimed), one run a side: the page cache holds each side's modules and the
  // fixtures, and the context's LABEL layer is cached, for every timed run alike.
  if (name !== "load" && name !== "save") { for (const side of sides) await measure(side); }
  for (let round = 0; round < settings.rounds; round++) {
    const order = sides.map((_, index) => sides[(index + round) % sides.length]!);
    const line: string[] = [];
    for (const side of order) {
      const measured = await measure(side);
      (runs[side] ??= []).push(measured);
      line.push(`${side} ${(opMs(measured) / 1000).toFixed(2)} s`);
    }
    console.log(`    round ${round + 1}: ${line.join(", ")}`);
  }
  return { name, runs, seconds: (performance.now() - started) / 1000 };
}

/** The time a side reports for its operation; curl's is its process's wall time. */
function opMs(measured: Measured): number {
  const value = measured.result.opMs;
  return typeof value === "number" ? value : measured.wallMs;
}

function figure(runs: Measured[] | undefined, pick: (run: Measured) => number): Summary {
  return summarize((runs ?? []).map(pick));
}

function cell(summary: Summary, digits = 0): string {
  if (summary.n === 0) return "—";
  const f = (value: number) => value.toFixed(digits);
  return `${f(summary.median)} (${f(summary.min)}–${f(summary.max)})`;
}

function ratio(a: Summary, b: Summary): string {
  if (a.n === 0 || b.n === 0) return "—";
  return (a.median / b.median).toFixed(3);
}

const CASE_TITLES: Record<CaseName, string> = {
  firstLog: "first build log line",
  context: "build context",
  load: "load",
  save: "save",
  list: "200 × list",
  cold: "cold start",
};

/** The metric a case's ratios use: in-process ms for the others, wall ms where curl is. */
const FIGURES: {
  name: CaseName;
  label: string;
  pick: (run: Measured) => number;
  curlPick?: (run: Measured) => number;
}[] = [
  { name: "firstLog", label: "first log line, ms", pick: (r) => r.result.firstLogMs as number },
  { name: "firstLog", label: "to `built`, ms", pick: opMs },
  { name: "context", label: "to `built`, ms", pick: opMs, curlPick: (r) => r.wallMs },
  { name: "load", label: "load, ms", pick: opMs, curlPick: (r) => r.wallMs },
  { name: "save", label: "save, ms", pick: opMs, curlPick: (r) => r.wallMs },
  { name: "list", label: "200 lists, ms", pick: opMs, curlPick: (r) => r.wallMs },
  { name: "cold", label: "process, ms", pick: (r) => r.wallMs, curlPick: (r) => r.wallMs },
];

function renderReport(
  cases: CaseRuns[],
  settings: Settings,
  header: string[],
): string {
  const out: string[] = [...header, ""];
  const byName = new Map(cases.map((c) => [c.name, c]));
  out.push(
    "Ratios of medians; below 1 means podrx took less. Against dockerode: each side's own time " +
      "for the operation, taken in its process from just before the call (the first log line: " +
      "to its arrival); against curl: the whole process's wall time, curl's as well (podrx's " +
      "then includes starting the runtime and importing).",
    "",
    "| case | podrx Node / dockerode | podrx Bun / dockerode | podrx Deno / dockerode | podrx Node / curl | podrx Bun / curl | podrx Deno / curl |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const f of FIGURES) {
    const c = byName.get(f.name);
    if (!c) continue;
    const d = figure(c.runs.dockerode, f.pick);
    const cells = (["node", "bun", "deno"] as const).map((side) =>
      ratio(figure(c.runs[side], f.pick), d)
    );
    const curl = f.curlPick ? figure(c.runs.curl, f.curlPick) : undefined;
    const curlCells = (["node", "bun", "deno"] as const).map((side) =>
      curl ? ratio(figure(c.runs[side], (r) => r.wallMs), curl) : "—"
    );
    out.push(
      `| ${CASE_TITLES[f.name]}: ${f.label} | ${cells.join(" | ")} | ${curlCells.join(" | ")} |`,
    );
  }
  out.push("", "Peak RSS per process, MiB, median (min–max):", "");
  out.push(`| case | ${SIDES.map((side) => SIDE_LABELS[side]).join(" | ")} |`);
  out.push(`| --- | ${SIDES.map(() => "---").join(" | ")} |`);
  for (const c of cases) {
    const cells = SIDES.map((side) => cell(figure(c.runs[side], (r) => r.peakRssMiB), 1));
    out.push(`| ${CASE_TITLES[c.name]} | ${cells.join(" | ")} |`);
  }
  out.push("", "The figures, ms, median (min–max):", "");
  out.push(`| case: figure | ${SIDES.map((side) => SIDE_LABELS[side]).join(" | ")} |`);
  out.push(`| --- | ${SIDES.map(() => "---").join(" | ")} |`);
  for (const f of FIGURES) {
    const c = byName.get(f.name);
    if (!c) continue;
    const cells = SIDES.map((side) =>
      cell(figure(c.runs[side], side === "curl" ? (f.curlPick ?? (() => NaN)) : f.pick))
    );
    out.push(`| ${CASE_TITLES[f.name]}: ${f.label} | ${cells.join(" | ")} |`);
    if (f.curlPick) {
      const walls = SIDES.map((side) => cell(figure(c.runs[side], (r) => r.wallMs)));
      out.push(`| ${CASE_TITLES[f.name]}: process wall, ms | ${walls.join(" | ")} |`);
    }
  }
  const written = cases.filter((c) => c.name === "context" || c.name === "load");
  for (const c of written) {
    // -1 where /proc/self/io could not be read (Bun reads it as empty); curl reports none.
    const cells = SIDES.map((side) => {
      const runs = (c.runs[side] ?? []).filter((r) => (r.result.writtenBytes as number) >= 0);
      return cell(figure(runs, (r) => (r.result.writtenBytes as number) / MiB));
    });
    out.push(
      `| ${CASE_TITLES[c.name]}: bytes written by the process, MiB | ${cells.join(" | ")} |`,
    );
  }
  out.push(
    "",
    `Rounds: ${settings.rounds} (the order of the sides rotated each round); case times: ${
      cases.map((c) => `${c.name} ${c.seconds.toFixed(0)} s`).join(", ")
    }.`,
  );
  return out.join("\n") + "\n";
}

async function machineLines(bed: Bed, node: string, bun: string): Promise<string[]> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo")).split("\n")
    .find((line) => line.startsWith("model name"))?.split(":")[1]?.trim() ?? "unknown";
  const version = async (program: string) => (await run(program, ["--version"])).trim();
  const curl = (await run("curl", ["--version"])).split("\n")[0]!.split(" ").slice(0, 2).join(" ");
  return [
    `- ${cpu}, ${navigator.hardwareConcurrency} cores; ${Deno.build.os} ${Deno.osRelease()}`,
    `- Node ${await version(node)}, Bun ${await version(bun)}, Deno ${Deno.version.deno}, ${curl}`,
    `- Podman ${bed.podmanVersion} (API ${bed.apiVersion}), private storage, vfs, chroot builds`,
  ];
}

const SECTION_START = "<!-- bench:runtimes start -->";
const SECTION_END = "<!-- bench:runtimes end -->";

/** Puts `section` between the markers in bench/RESULTS.md, or at its end the first time. */
async function writeSection(section: string): Promise<string> {
  const path = `${repoRoot()}/bench/RESULTS.md`;
  const text = await Deno.readTextFile(path);
  const block = `${SECTION_START}\n${section}${SECTION_END}\n`;
  const start = text.indexOf(SECTION_START);
  const end = text.indexOf(SECTION_END);
  const next = start >= 0 && end > start
    ? text.slice(0, start) + block + text.slice(end + SECTION_END.length + 1)
    : `${text.trimEnd()}\n\n${block}`;
  await Deno.writeTextFile(path, next);
  return path;
}

async function main(): Promise<number> {
  const settings = parseSettings(Deno.args);
  const { node, bun } = runtimes();
  const began = performance.now();
  const work = await Deno.makeTempDir({ prefix: "podrx-bench-runtimes-" });
  let bed: Bed | undefined;
  try {
    console.log("bench:runtimes: building, packing and installing");
    const project = await installProject(work, bun);
    bed = await startBed(work);
    console.log(`bench:runtimes: Podman ${bed.podmanVersion}; making the fixtures`);
    const fixtures = await makeFixtures(bed, work, settings);
    const loadStart = Deno.loadavg();
    const ctx = { project, node, bun, bed, fixtures, work };
    const cases: CaseRuns[] = [];
    for (const name of settings.only) {
      console.log(`bench:runtimes: ${name}`);
      cases.push(await runCase(name, settings, ctx));
      if (name === "context") await Deno.remove(fixtures.context, { recursive: true });
    }
    const loadEnd = Deno.loadavg();
    const minutes = (performance.now() - began) / 60_000;
    const header = [
      "## Runtimes: podrx on Node, Bun and Deno against dockerode and curl",
      "",
      `Written by \`deno task bench:runtimes\` (bench/runtimes/run.ts) on ${
        new Date().toISOString()
      }${settings.quick ? " with --quick (small sizes)" : ""}; ${
        minutes.toFixed(1)
      } min. How to run it and what each side does: bench/README.md.`,
      "",
      ...(await machineLines(bed, node, bun)),
      `- Load average ${loadStart.map((v) => v.toFixed(2)).join(", ")} at the start, ${
        loadEnd.map((v) => v.toFixed(2)).join(", ")
      } at the end`,
      `- Sizes: context ${settings.contextFiles} files, ${
        settings.contextBytes / MiB
      } MiB; archive ${settings.archiveBytes / MiB} MiB; ${settings.listCalls} lists on 12 images`,
    ];
    const report = renderReport(cases, settings, header);
    console.log("\n" + report);
    const full = !settings.quick && settings.only.length === CASE_NAMES.length;
    if (full) {
      console.log(`bench:runtimes: written to ${await writeSection(report)}`);
    } else {
      const out = `${repoRoot()}/bench/out`;
      await Deno.mkdir(out, { recursive: true });
      await Deno.writeTextFile(`${out}/RESULTS.runtimes.partial.md`, report);
      console.log(`bench:runtimes: written to ${out}/RESULTS.runtimes.partial.md`);
    }
    return 0;
  } finally {
    if (bed) {
      await removeImage(bed, "localhost/bench/big").catch(() => {});
      await bed.stop();
    }
    await Deno.remove(work, { recursive: true });
  }
}

Deno.exit(await main());
