// deno-lint-ignore-file no-console -- the runner reports to the terminal
/**
 * The podrx benchmark: `deno task bench` (or `deno run -A bench/run.ts`).
 *
 * Starts a private Podman service (`PodmanClient.spawn`, its own storage) and a local
 * registry, makes every image, archive and context offline, runs each case as separate
 * processes for podrx and for its baseline, alternately (A B A B ...), and writes
 * `bench/RESULTS.md` with the median, min and max of each figure, the ratio to the baseline,
 * and whether each target is met.
 *
 * ```sh
 * deno task bench                         # everything, about 15 minutes, writes bench/RESULTS.md
 * deno task bench --only=calls,events     # some cases (written to bench/out/RESULTS.partial.md)
 * deno task bench --quick                 # small sizes and 2 runs, to try the bench itself
 * ```
 *
 * Cases: calls, concurrency, cold, events, cancel, liveness, pull, build, archives, local,
 * fleet, fleet-scale, pull-progress, artifact-roundtrip. `PODRX_PODMAN=trixie|sid|experimental`
 * runs them on a Debian chroot's Podman instead of the host's (pull-progress needs Podman 6:
 * `experimental`; local needs 5.7 or later and artifact-roundtrip 5.6 or later: `sid` or
 * `experimental`).
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../mod.ts";
import { apiAtLeast } from "../src/client/api_version.ts";
import { toSearchParams } from "../src/client/query.ts";
import { buildQuery } from "../src/images/operations/building/_params.ts";
import { packDockerfile } from "../src/images/operations/building/_context.ts";
import { pushLayerImage } from "../tests/images/_layer_image.ts";
import {
  type Bed,
  makeBigImage,
  makeContext,
  removeImage,
  seedBusybox,
  seedListImages,
  startBed,
} from "./_bed.ts";
import {
  alternate,
  caseCommand,
  type Measured,
  measureProcess,
  repoRoot,
  startServer,
  summarize,
  type Summary,
} from "./_measure.ts";
import { LIVENESS_DOCKERFILE } from "./cases/_liveness.ts";
import { differenceFromGenerated, generatedStream, writeGenerated } from "./_generated_bytes.ts";

const ALL_CASES = [
  "calls",
  "concurrency",
  "cold",
  "events",
  "cancel",
  "liveness",
  "pull",
  "build",
  "archives",
  "local",
  "fleet",
  "fleet-scale",
  "pull-progress",
  "artifact-roundtrip",
] as const;
type CaseName = typeof ALL_CASES[number];

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BUSYBOX = "localhost/bench/busybox:latest";
const LIST_IMAGES = 50;
// Children skip Deno's update check, whose DNS lookups would add noise to the timings.
const CHILD_ENV = { DENO_NO_UPDATE_CHECK: "1" };

interface Settings {
  quick: boolean;
  cases: readonly CaseName[];
  out: string;
  runs: number;
  bigRuns: number;
  archiveSizes: { label: string; bytes: number; runs: number }[];
  context: { files: number; bytes: number };
  eventBytes: number;
  /** Size of the layer case 10 pulls. */
  layerBytes: number;
  /** Size of case 11's artifact, and the larger one its memory is held against. */
  artifactBytes: { main: number; large: number };
}

/** One line of a case's table: the same figure for podrx and its baseline. */
interface Row {
  metric: string;
  unit: string;
  podrx: Summary;
  baseline?: Summary | undefined;
  /** podrx / baseline of the medians (for rates: baseline / podrx, i.e. time ratio). */
  ratio?: number | undefined;
}

interface Verdict {
  target: string;
  figure: string;
  met: boolean;
}

interface CaseResult {
  id: string;
  title: string;
  method: string[];
  rows: Row[];
  verdicts: Verdict[];
  notes: string[];
  seconds: number;
}

interface Context {
  bed: Bed;
  work: string;
  settings: Settings;
  busyboxId: string;
}

function parseSettings(args: readonly string[]): Settings {
  const quick = args.includes("--quick");
  const only = args.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);
  const cases = only ? only.split(",").map((name) => name.trim()) : [...ALL_CASES];
  for (const name of cases) {
    if (!(ALL_CASES as readonly string[]).includes(name)) {
      throw new TypeError(`Unknown case "${name}"; cases are ${ALL_CASES.join(", ")}`);
    }
  }
  const partial = quick || only !== undefined;
  const outArg = args.find((arg) => arg.startsWith("--out="))?.slice("--out=".length);
  const out = outArg ??
    (partial ? `${repoRoot()}/bench/out/RESULTS.partial.md` : `${repoRoot()}/bench/RESULTS.md`);
  return {
    quick,
    cases: cases as CaseName[],
    out,
    runs: quick ? 2 : 5,
    bigRuns: quick ? 2 : 3,
    archiveSizes: quick
      ? [{ label: "32m", bytes: 32 * MiB, runs: 2 }, { label: "128m", bytes: 128 * MiB, runs: 2 }]
      : [{ label: "512m", bytes: 512 * MiB, runs: 5 }, { label: "2g", bytes: 2 * GiB, runs: 3 }],
    context: quick ? { files: 2_000, bytes: 64 * MiB } : { files: 20_000, bytes: 1 * GiB },
    eventBytes: quick ? 20 * MiB : 200 * MiB,
    layerBytes: quick ? 64 * MiB : 512 * MiB,
    artifactBytes: quick ? { main: 32 * MiB, large: 128 * MiB } : { main: 256 * MiB, large: GiB },
  };
}

let timeFiles = 0;
function measure(ctx: Context, command: readonly string[], env: Record<string, string> = {}) {
  return measureProcess(command, {
    timeFile: `${ctx.work}/time-${timeFiles++}.txt`,
    env: { ...CHILD_ENV, ...env },
  });
}

function ratioOf(podrx: Summary, baseline: Summary): number {
  return podrx.median / baseline.median;
}

function field(runs: readonly Measured[], name: string): number[] {
  return runs.map((run) => Number(run.result[name]));
}

function wall(runs: readonly Measured[]): number[] {
  return runs.map((run) => run.wallMs);
}

function rss(runs: readonly Measured[]): number[] {
  return runs.map((run) => run.peakRssMiB);
}

function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

// ---------------------------------------------------------------------------------------
// Case 1: per-call overhead

async function callsCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { bed, settings } = ctx;
  const rows: Row[] = [];
  const verdicts: Verdict[] = [];
  for (const op of ["get", "exists", "list", "history"] as const) {
    const params = {
      op,
      socketPath: bed.socketPath,
      apiVersion: bed.apiVersion,
      image: BUSYBOX,
      calls: 300,
      warmup: 20,
      expectList: LIST_IMAGES,
    };
    // list answers in tens of ms (Podman sizes every image), so it gets fewer processes.
    const runs = settings.quick ? 2 : op === "list" ? 3 : 8;
    const measured: Measured[] = [];
    for (let run = 0; run < runs; run++) {
      measured.push(await measure(ctx, caseCommand("calls.ts", params)));
    }
    const podrx = summarize(field(measured, "podrxPerCallUs"));
    const raw = summarize(field(measured, "rawPerCallUs"));
    const ratio = ratioOf(podrx, raw);
    rows.push({ metric: `${op}: time per call`, unit: "µs", podrx, baseline: raw, ratio });
    verdicts.push({
      target: `${op}: podrx / raw <= 1.05`,
      figure: `${fixed(ratio, 3)} (${fixed(podrx.median, 0)} vs ${fixed(raw.median, 0)} µs)`,
      met: ratio <= 1.05,
    });
  }
  return {
    id: "1",
    title: "Per-call overhead",
    method: [
      `${
        settings.quick ? 2 : 8
      } processes (3 for \`list\`), each making 300 podrx calls and 300 raw calls after 20 warm-up calls of each; the two sides take turns call by call (who goes first alternates), each call timed alone, so the shared machine's noise falls on both alike. Figures: median (min–max) over the processes of the mean time per call.`,
      `podrx: \`lastValueFrom(images.get|exists|list())\` and \`image.history()\`; raw: \`fetch\` on a \`Deno.createHttpClient({ proxy: { transport: "unix" } })\`, body read with \`json()\` (\`arrayBuffer()\` for exists).`,
      `The storage holds ${LIST_IMAGES} images, so \`list\` returns ${LIST_IMAGES}.`,
    ],
    rows,
    verdicts,
    notes: [],
  };
}

// ---------------------------------------------------------------------------------------
// Case 2: concurrency

async function concurrencyCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { bed, settings } = ctx;
  const params = (side: string) => ({
    side,
    socketPath: bed.socketPath,
    apiVersion: bed.apiVersion,
    image: BUSYBOX,
    concurrency: 64,
    rounds: 20,
    warmup: 2,
  });
  const runs = settings.quick ? 2 : 8;
  const { a, b } = await alternate(
    runs,
    () => measure(ctx, caseCommand("concurrency.ts", params("podrx"))),
    () => measure(ctx, caseCommand("concurrency.ts", params("raw"))),
  );
  const podrx = summarize(field(a, "roundMs"));
  const raw = summarize(field(b, "roundMs"));
  const ratio = ratioOf(podrx, raw);
  const podrxErrors = field(a, "errors").reduce((sum, value) => sum + value, 0);
  const rawErrors = field(b, "errors").reduce((sum, value) => sum + value, 0);
  const errorSamples = [...a, ...b].flatMap((run) => run.result.firstErrors as string[]);
  return {
    id: "2",
    title: "Concurrency: 64 simultaneous `get` on one client",
    method: [
      `20 rounds of 64 concurrent calls per process (after 2 warm-up rounds); the figure is a process's median round; ${runs} processes per side, alternated.`,
    ],
    rows: [
      { metric: "64 concurrent gets (one round)", unit: "ms", podrx, baseline: raw, ratio },
      {
        metric: "errors (all rounds, all processes)",
        unit: "",
        podrx: summarize([podrxErrors]),
        baseline: summarize([rawErrors]),
      },
    ],
    verdicts: [
      {
        target: "podrx / raw <= 1.10",
        figure: `${fixed(ratio, 3)} (${fixed(podrx.median, 1)} vs ${fixed(raw.median, 1)} ms)`,
        met: ratio <= 1.10,
      },
      {
        target: "zero errors",
        figure: `${podrxErrors} podrx, ${rawErrors} raw`,
        met: podrxErrors === 0,
      },
    ],
    notes: errorSamples.length ? [`First errors: ${errorSamples.slice(0, 3).join("; ")}`] : [],
  };
}

// ---------------------------------------------------------------------------------------
// Cases 3 and 4: load and save of big archives

async function archivesCases(ctx: Context): Promise<Omit<CaseResult, "seconds">[]> {
  const { bed, work, settings } = ctx;
  const load: Omit<CaseResult, "seconds"> = {
    id: "3",
    title: "Load of a docker-archive from a file path",
    method: [
      'podrx: `images.load(path)` (the file streamed as the request body) in its own process; baseline: `curl -sS --unix-socket SOCK -X POST -H "Content-Type: application/x-tar" -T FILE http://libpod/v<ver>/libpod/images/load`.',
      "Wall time of the whole process (podrx's includes Deno's start, ~0.1 s); the loaded image is removed after every run, then `sync` writes out what the run left (both untimed), so each run stores the layer anew and none pays for the last one's writeback.",
      "Archives: one layer holding one random file of the size named, made with `podman import` and saved with `saveToFile` (named).",
    ],
    rows: [],
    verdicts: [],
    notes: [],
  };
  const save: Omit<CaseResult, "seconds"> = {
    id: "4",
    title: "Save of an image to a file",
    method: [
      "podrx: `images.get(id)` then `image.saveToFile(path)` in its own process; baseline: `curl -sS --unix-socket SOCK -o FILE http://libpod/v<ver>/libpod/images/<id>/get?format=docker-archive`.",
      "Wall time of the whole process; the output file is deleted and `sync` run after every run (untimed).",
      "A second baseline, raw Deno (`fetch`, the body piped to `file.writable`), runs in turn with the other two (podrx, curl, raw Deno, ...); its figures are in the notes.",
    ],
    rows: [],
    verdicts: [],
    notes: [],
  };
  const rssBySize: { label: string; load: number; save: number }[] = [];
  for (const size of settings.archiveSizes) {
    const name = `localhost/bench/big:${size.label}`;
    const archive = `${work}/big-${size.label}.tar`;
    console.log(`  making the ${size.label} image and archive`);
    const id = await makeBigImage(bed, work, name, size.bytes, archive);
    const archiveBytes = (await Deno.stat(archive)).size;
    const out = `${work}/saved.tar`;
    const saved: number[] = [];
    const saveUrl =
      `http://libpod/v${bed.apiVersion}/libpod/images/${id}/get?format=docker-archive`;
    console.log(`  save ${size.label}`);
    const afterSave = async (): Promise<void> => {
      saved.push((await Deno.stat(out)).size);
      await Deno.remove(out);
      await flushWrites();
    };
    const saves: { a: Measured[]; b: Measured[]; c: Measured[] } = { a: [], b: [], c: [] };
    for (let run = 0; run < size.runs; run++) {
      saves.a.push(
        await measure(ctx, caseCommand("save.ts", { socketPath: bed.socketPath, image: id, out })),
      );
      await afterSave();
      saves.b.push(
        await measure(ctx, [
          "curl",
          "-sS",
          "--fail",
          "--unix-socket",
          bed.socketPath,
          "-o",
          out,
          saveUrl,
        ]),
      );
      await afterSave();
      saves.c.push(
        await measure(
          ctx,
          caseCommand("save_raw.ts", {
            socketPath: bed.socketPath,
            apiVersion: bed.apiVersion,
            image: id,
            out,
          }),
        ),
      );
      await afterSave();
    }
    const rawDeno = summarize(wall(saves.c));
    const curlSave = summarize(wall(saves.b));
    save.notes.push(
      `${size.label}: raw Deno (\`fetch\`, body piped to the file, no podrx): wall ${
        fixed(rawDeno.median / 1000, 2)
      } s (${fixed(rawDeno.min / 1000, 2)}–${fixed(rawDeno.max / 1000, 2)}), ${
        fixed(ratioOf(rawDeno, curlSave), 3)
      } of curl's; podrx is ${fixed(ratioOf(summarize(wall(saves.a)), rawDeno), 3)} of raw Deno's.`,
    );
    await removeImage(bed, name);
    const loadUrl = `http://libpod/v${bed.apiVersion}/libpod/images/load`;
    console.log(`  load ${size.label}`);
    const loads = await alternate(
      size.runs,
      () =>
        measure(
          ctx,
          caseCommand("load.ts", { socketPath: bed.socketPath, archive, via: "upload" }),
        ),
      () =>
        measure(ctx, [
          "curl",
          "-sS",
          "--fail",
          "--unix-socket",
          bed.socketPath,
          "-X",
          "POST",
          "-H",
          "Content-Type: application/x-tar",
          "-T",
          archive,
          loadUrl,
        ]),
      async () => {
        await removeImage(bed, name);
        await flushWrites();
      },
    );
    await Deno.remove(archive);
    for (const [result, runs, limit] of [[load, loads, 80], [save, saves, 80]] as const) {
      const podrxWall = summarize(wall(runs.a));
      const curlWall = summarize(wall(runs.b));
      const podrxRss = summarize(rss(runs.a));
      const ratio = ratioOf(podrxWall, curlWall);
      const sizeText = `${size.label} (${fixed(archiveBytes / MiB, 0)} MiB archive)`;
      result.rows.push(
        {
          metric: `${sizeText}: process wall time`,
          unit: "ms",
          podrx: podrxWall,
          baseline: curlWall,
          ratio,
        },
        {
          metric: `${sizeText}: podrx operation time (in process)`,
          unit: "ms",
          podrx: summarize(field(runs.a, "opMs")),
        },
        {
          metric: `${sizeText}: peak RSS of the client`,
          unit: "MiB",
          podrx: podrxRss,
          baseline: summarize(rss(runs.b)),
        },
        {
          metric: `${sizeText}: throughput (archive / podrx wall)`,
          unit: "MiB/s",
          podrx: summarize(wall(runs.a).map((ms) => archiveBytes / MiB / (ms / 1000))),
          baseline: summarize(wall(runs.b).map((ms) => archiveBytes / MiB / (ms / 1000))),
        },
      );
      result.verdicts.push(
        {
          target: `${size.label}: wall podrx / curl <= 1.05`,
          figure: `${fixed(ratio, 3)} (${fixed(podrxWall.median / 1000, 2)} vs ${
            fixed(curlWall.median / 1000, 2)
          } s)`,
          met: ratio <= 1.05,
        },
        {
          target: `${size.label}: podrx peak RSS <= ${limit} MiB`,
          figure: `${fixed(podrxRss.max, 1)} MiB max (median ${fixed(podrxRss.median, 1)})`,
          met: podrxRss.max <= limit,
        },
      );
    }
    const differentSizes = new Set(saved).size > 1;
    if (differentSizes) save.notes.push(`${size.label}: saved sizes differ: ${saved.join(", ")}`);
    rssBySize.push({
      label: size.label,
      load: summarize(rss(loads.a)).median,
      save: summarize(rss(saves.a)).median,
    });
  }
  if (rssBySize.length === 2) {
    const [small, big] = rssBySize as [typeof rssBySize[0], typeof rssBySize[0]];
    for (const [result, key] of [[load, "load"], [save, "save"]] as const) {
      const growth = big[key] - small[key];
      result.verdicts.push({
        target: `peak RSS flat in the archive size (${small.label} → ${big.label})`,
        figure: `${fixed(small[key], 1)} → ${fixed(big[key], 1)} MiB (${growth >= 0 ? "+" : ""}${
          fixed(growth, 1)
        })`,
        // Flat means it does not grow with the archive; a smaller peak is no failure.
        met: growth <= 8,
      });
    }
  }
  return [load, save];
}

// ---------------------------------------------------------------------------------------
// Case local: a load read in place against its upload (Podman 5.7 and later)

async function localLoadCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { bed, work, settings } = ctx;
  const result: Omit<CaseResult, "seconds"> = {
    id: "3b",
    title: "Load of a docker-archive read in place against its upload",
    method: [
      'Both sides podrx, each in its own process: `images.load(path, { via: "local" })` (the service reads the file itself, `POST /libpod/local/images/load?path=`) against `images.load(path, { via: "upload" })` (the file streamed as the request body, as in case 3). The archive lies in the bench\'s work directory under /tmp, which the service sees at the same path (a chroot service: `PODRX_PODMAN=sid` or `experimental`).',
      "Wall time of the whole process; the loaded image is removed after every run, then `sync` (both untimed). Each process is a new client, so every run read in place includes one probe of the directory (a small file written, read by the service and removed).",
      "Archive: one layer holding one random file of the size named, as in case 3.",
    ],
    rows: [],
    verdicts: [],
    notes: [],
  };
  if (!apiAtLeast(bed.apiVersion, 5, 7)) {
    result.notes.push(
      `Not run: Podman ${bed.podmanVersion} has no local endpoints (5.7 and later); run with ` +
        "`PODRX_PODMAN=sid` or `experimental`.",
    );
    return result;
  }
  const size = settings.archiveSizes.at(-1)!;
  const name = `localhost/bench/local:${size.label}`;
  const archive = `${work}/local-${size.label}.tar`;
  console.log(`  making the ${size.label} image and archive`);
  await makeBigImage(bed, work, name, size.bytes, archive);
  const archiveBytes = (await Deno.stat(archive)).size;
  await removeImage(bed, name);
  await flushWrites();
  console.log(`  load ${size.label}, in place and uploaded`);
  const runs = await alternate(
    size.runs,
    () =>
      measure(ctx, caseCommand("load.ts", { socketPath: bed.socketPath, archive, via: "local" })),
    () =>
      measure(ctx, caseCommand("load.ts", { socketPath: bed.socketPath, archive, via: "upload" })),
    async () => {
      await removeImage(bed, name);
      await flushWrites();
    },
  );
  await Deno.remove(archive);
  const localWall = summarize(wall(runs.a));
  const uploadWall = summarize(wall(runs.b));
  const localRss = summarize(rss(runs.a));
  const uploadRss = summarize(rss(runs.b));
  const ratio = ratioOf(localWall, uploadWall);
  const sizeText = `${size.label} (${fixed(archiveBytes / MiB, 0)} MiB archive)`;
  result.rows.push(
    {
      metric: `${sizeText}: process wall time (podrx: read in place; baseline: uploaded)`,
      unit: "ms",
      podrx: localWall,
      baseline: uploadWall,
      ratio,
    },
    {
      metric: `${sizeText}: operation time (in process)`,
      unit: "ms",
      podrx: summarize(field(runs.a, "opMs")),
      baseline: summarize(field(runs.b, "opMs")),
      ratio: ratioOf(summarize(field(runs.a, "opMs")), summarize(field(runs.b, "opMs"))),
    },
    {
      metric: `${sizeText}: peak RSS of the client`,
      unit: "MiB",
      podrx: localRss,
      baseline: uploadRss,
    },
  );
  result.verdicts.push(
    {
      target: `(no target) ${size.label}: wall in place / uploaded`,
      figure: `${fixed(ratio, 3)} (${fixed(localWall.median / 1000, 2)} vs ${
        fixed(uploadWall.median / 1000, 2)
      } s)`,
      met: true,
    },
    {
      target: `(no target) ${size.label}: peak RSS in place / uploaded`,
      figure: `${fixed(localRss.median, 1)} vs ${fixed(uploadRss.median, 1)} MiB (median)`,
      met: true,
    },
  );
  return result;
}

// ---------------------------------------------------------------------------------------
// Case 5: build context

interface TreeSnapshot {
  files: number;
  bytes: number;
  names: Set<string>;
}

async function snapshotTree(dir: string): Promise<TreeSnapshot> {
  const snapshot: TreeSnapshot = { files: 0, bytes: 0, names: new Set() };
  async function visit(path: string, relative: string): Promise<void> {
    for await (const entry of Deno.readDir(path)) {
      const child = `${path}/${entry.name}`;
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      snapshot.names.add(name);
      if (entry.isDirectory) await visit(child, name);
      else {
        snapshot.files++;
        snapshot.bytes += (await Deno.lstat(child)).size;
      }
    }
  }
  await visit(dir, "");
  return snapshot;
}

/** Files the traced process created or opened for writing, from `strace -f` output. */
async function writtenPaths(traceFile: string): Promise<string[]> {
  const paths = new Set<string>();
  const text = await Deno.readTextFile(traceFile);
  for (const line of text.split("\n")) {
    const open = /(?:open|openat|openat2)\((?:AT_FDCWD|\d+), "([^"]+)", ([A-Z_|]+)/.exec(line);
    if (open) {
      const flags = open[2]!;
      const failed = / = -1 /.test(line);
      if (!failed && /O_CREAT|O_WRONLY|O_RDWR|O_TRUNC/.test(flags)) paths.add(open[1]!);
      continue;
    }
    const other =
      /(?:creat|mkdir|mkdirat|rename|renameat2?|link|linkat|symlink|symlinkat)\((?:AT_FDCWD, |\d+, )?"([^"]+)"/
        .exec(line);
    if (other && !/ = -1 /.test(line)) paths.add(other[1]!);
  }
  return [...paths].filter((path) => !/^\/(dev|proc|sys)\//.test(path)).sort();
}

/**
 * Writes out the dirty pages a run left (a build or load writes a GiB or more into the
 * service's storage), untimed, so that the next run does not pay for the last one's
 * writeback.
 */
async function flushWrites(): Promise<void> {
  const sync = await new Deno.Command("sync").output();
  if (!sync.success) throw new Error("sync failed");
}

async function buildCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { bed, work, settings } = ctx;
  const context = `${work}/context`;
  console.log(
    `  making the context (${settings.context.files} files, ${
      fixed(settings.context.bytes / MiB, 0)
    } MiB)`,
  );
  await makeContext(context, settings.context.files, settings.context.bytes);
  const query = toSearchParams(
    buildQuery(
      { path: context },
      { dockerfile: "Dockerfile", excludes: undefined },
      bed.apiVersion,
      "",
    ),
  );
  const url = `http://libpod/v${bed.apiVersion}/libpod/build?${query}`;
  const clientTmp = `${work}/client-tmp`;
  await Deno.mkdir(clientTmp);
  const env = { TMPDIR: clientTmp };
  const podrxCommand = caseCommand("build_context.ts", { socketPath: bed.socketPath, context });
  const curlCommand = [
    "sh",
    "-c",
    `tar -c -C '${context}' . | curl -sS --fail --unix-socket '${bed.socketPath}' -X POST ` +
    `-H 'Content-Type: application/x-tar' -T - '${url}'`,
  ];
  // Warm-up (untimed): the first build makes the LABEL layer, later ones find it cached; and
  // the context is in the page cache for both sides from here on.
  await measure(ctx, podrxCommand, env);
  const before = await snapshotTree(context);
  const checkCurl = (run: Measured): Measured => {
    if (!/"stream":"[0-9a-f]{64}\\n"/.test(run.stdout)) {
      throw new Error(`The curl build did not end with an image id:\n${run.stdout.slice(-500)}`);
    }
    return run;
  };
  // The server's time for one build varies most (5 to 15 s seen for the same upload), hence
  // 5 runs a side.
  const runs = settings.quick ? 2 : 5;
  const { a, b } = await alternate(
    runs,
    () => measure(ctx, podrxCommand, env),
    async () => checkCurl(await measure(ctx, curlCommand, env)),
    flushWrites,
  );
  const after = await snapshotTree(context);
  const addedNames = [...after.names].filter((name) => !before.names.has(name));
  const clientTmpEntries = [];
  for await (const entry of Deno.readDir(clientTmp)) clientTmpEntries.push(entry.name);

  // One more podrx run under strace, to list every file the client creates or opens for
  // writing (the service's own files are written by another process tree).
  const traceFile = `${work}/build.strace`;
  await measure(ctx, [
    "strace",
    "-f",
    "-qq",
    "-o",
    traceFile,
    "-e",
    "trace=open,openat,openat2,creat,mkdir,mkdirat,rename,renameat,renameat2,link,linkat,symlink,symlinkat",
    ...podrxCommand,
  ], env);
  const written = await writtenPaths(traceFile);
  await Deno.remove(traceFile);
  const denoDir = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;
  const denoCache = written.filter((path) => path.startsWith(denoDir));
  const elsewhere = written.filter((path) => !path.startsWith(denoDir));
  await Deno.remove(context, { recursive: true });

  const podrxWall = summarize(wall(a));
  const curlWall = summarize(wall(b));
  const podrxRss = summarize(rss(a));
  const ratio = ratioOf(podrxWall, curlWall);
  const contextUnchanged = addedNames.length === 0 && after.files === before.files &&
    after.bytes === before.bytes;
  const noTemp = contextUnchanged && clientTmpEntries.length === 0 && elsewhere.length === 0;
  return {
    id: "5",
    title: `Build context: ${settings.context.files} files, ${
      fixed(settings.context.bytes / MiB, 0)
    } MiB`,
    method: [
      "Dockerfile `FROM scratch` + `LABEL`; podrx: `images.build({ path })` in its own process; baseline: `tar -c -C CTX . | curl -T - .../libpod/build?<the query podrx sends>` (`buildQuery` of src/images/operations/building/_params.ts).",
      "One untimed warm-up build first (makes the cached LABEL layer, fills the page cache); then 5 runs per side, alternated, each after a `sync` (untimed) so that no run pays for the writeback of the one before. The baseline's RSS is the largest of sh, tar and curl.",
      "Temp files: the client runs with TMPDIR set to an empty directory, which is checked after the runs; the context tree is compared before and after; and one more podrx run is traced with `strace -f` for every file it creates or opens for writing.",
    ],
    rows: [
      { metric: "process wall time", unit: "ms", podrx: podrxWall, baseline: curlWall, ratio },
      {
        metric: "podrx operation time (in process)",
        unit: "ms",
        podrx: summarize(field(a, "opMs")),
      },
      {
        metric: "peak RSS of the client",
        unit: "MiB",
        podrx: podrxRss,
        baseline: summarize(rss(b)),
      },
    ],
    verdicts: [
      {
        target: "wall podrx / baseline <= 1.10",
        figure: `${fixed(ratio, 3)} (${fixed(podrxWall.median / 1000, 2)} vs ${
          fixed(curlWall.median / 1000, 2)
        } s)`,
        met: ratio <= 1.10,
      },
      {
        target: "podrx peak RSS <= 100 MiB",
        figure: `${fixed(podrxRss.max, 1)} MiB max (median ${fixed(podrxRss.median, 1)})`,
        met: podrxRss.max <= 100,
      },
      {
        target: "no temp files written by the client",
        figure: noTemp
          ? `none (TMPDIR empty, context unchanged, strace: no file created outside Deno's cache${
            denoCache.length ? `; ${denoCache.length} in Deno's own cache` : ""
          })`
          : `TMPDIR: ${clientTmpEntries.join(", ") || "empty"}; new in context: ${
            addedNames.slice(0, 5).join(", ") || "none"
          }; strace: ${elsewhere.slice(0, 10).join(", ") || "none"}`,
        met: noTemp,
      },
    ],
    notes: denoCache.length
      ? [`Files the client wrote in Deno's cache (${denoDir}): ${denoCache.slice(0, 5).join(", ")}`]
      : [],
  };
}

// ---------------------------------------------------------------------------------------
// Case 6: liveness

async function livenessCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { bed, work, settings } = ctx;
  const dockerfile = LIVENESS_DOCKERFILE(BUSYBOX);
  const contextTar = `${work}/liveness.tar`;
  await Deno.writeFile(contextTar, await packDockerfile(dockerfile, "Dockerfile"));
  const query = toSearchParams(
    buildQuery(
      { fileobj: dockerfile, nocache: true },
      { dockerfile: "Dockerfile", excludes: undefined },
      bed.apiVersion,
      "",
    ),
  );
  const url = `http://libpod/v${bed.apiVersion}/libpod/build?${query}`;
  const { a, b } = await alternate(
    settings.runs,
    () => measure(ctx, caseCommand("liveness.ts", { socketPath: bed.socketPath, base: BUSYBOX })),
    () =>
      measure(
        ctx,
        caseCommand("liveness_curl.ts", { socketPath: bed.socketPath, url, contextTar }),
      ),
  );
  await Deno.remove(contextTar);
  const metric = (name: string, label: string): Row => {
    const podrx = summarize(field(a, name));
    const curl = summarize(field(b, name));
    return { metric: label, unit: "ms", podrx, baseline: curl };
  };
  const lag = summarize(field(a, "firstLagMs"));
  const gap = summarize(field(a, "gapMs"));
  return {
    id: "6",
    title: "Liveness of a build log",
    method: [
      'A build (`nocache`) whose `RUN` step runs `echo "first $(cat /proc/uptime)"; sleep 3; echo "second $(cat /proc/uptime)"` on the seeded busybox; `/proc/uptime` inside the chroot build is the host\'s clock, so the lag of a line is the uptime when the subscriber got it minus the uptime the step printed (10 ms resolution).',
      "podrx: `images.build({ fileobj })`, each `log` event timestamped in `tap`; baseline: `curl -N` with the same tar and query, its stdout lines timestamped by a Deno script as they come out of the pipe (that time includes starting curl).",
    ],
    rows: [
      metric("firstLogMs", "request start → first log line"),
      metric("firstRunLineMs", "request start → the RUN step's first line"),
      metric("firstLagMs", "lag of the first line (written → delivered)"),
      metric("secondLagMs", "lag of the second line"),
      metric("gapMs", "gap between the two lines (3 s sleep)"),
    ],
    verdicts: [
      {
        target: "first line delivered within 300 ms of the server writing it",
        figure: `max ${fixed(lag.max, 0)} ms (median ${fixed(lag.median, 0)}; curl median ${
          fixed(summarize(field(b, "firstLagMs")).median, 0)
        })`,
        met: lag.max <= 300,
      },
      {
        target: "lines arrive as written (gap ≈ 3 s)",
        figure: `${fixed(gap.min, 0)}–${fixed(gap.max, 0)} ms`,
        met: gap.min >= 2700 && gap.max <= 3300,
      },
    ],
    notes: [],
  };
}

// ---------------------------------------------------------------------------------------
// Case 7: cancellation

async function cancelCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { settings } = ctx;
  const latencyParams = (side: string) => ({
    side,
    iterations: 20,
    silenceMs: 20,
    pauseMs: 100,
    budgetMs: 60_000,
  });
  const latency = await alternate(
    settings.runs >= 5 ? 3 : settings.runs,
    () => measure(ctx, caseCommand("cancel.ts", latencyParams("podrx"))),
    () => measure(ctx, caseCommand("cancel.ts", latencyParams("raw"))),
  );
  const reconnectParams = (side: string) => ({
    side,
    iterations: 40,
    silenceMs: 20,
    pauseMs: 0,
    budgetMs: settings.quick ? 10_000 : 25_000,
  });
  const reconnect = await alternate(
    settings.quick ? 1 : 2,
    () => measure(ctx, caseCommand("cancel.ts", reconnectParams("podrx"))),
    () => measure(ctx, caseCommand("cancel.ts", reconnectParams("raw"))),
  );
  const all = (runs: readonly Measured[], name: string, from = 0, to = Infinity): number[] =>
    runs.flatMap((run) => (run.result[name] as number[]).slice(from, to));
  const cancelPodrx = summarize(all(latency.a, "cancelMs"));
  const cancelRaw = summarize(all(latency.b, "cancelMs"));
  const stalls = (values: number[]) => values.filter((value) => value > 100).length;
  const stallText = (runs: readonly Measured[], name: string) => {
    const values = all(runs, name);
    return `${stalls(values)} of ${values.length}`;
  };
  const rows: Row[] = [
    {
      metric: "unsubscribe/abort → server sees the close",
      unit: "ms",
      podrx: cancelPodrx,
      baseline: cancelRaw,
      ratio: ratioOf(cancelPodrx, cancelRaw),
    },
    {
      metric: "new request → server sees it, 100 ms after each cancellation",
      unit: "ms",
      podrx: summarize(all(latency.a, "connectMs", 1)),
      baseline: summarize(all(latency.b, "connectMs", 1)),
    },
    {
      metric: "new request at once after a cancellation, requests 2–10",
      unit: "ms",
      podrx: summarize(all(reconnect.a, "connectMs", 1, 10)),
      baseline: summarize(all(reconnect.b, "connectMs", 1, 10)),
    },
    {
      metric: "new request at once after a cancellation, requests 26 and later",
      unit: "ms",
      podrx: summarize(all(reconnect.a, "connectMs", 25)),
      baseline: summarize(all(reconnect.b, "connectMs", 25)),
    },
  ];
  return {
    id: "7",
    title: "Cancellation",
    method: [
      "A fake server (`startFakePodman` of tests/fake/fake_podman.ts, in the client's process) answers a pull with a silent body and notes when its stream is cancelled, i.e. when it sees the connection close. Each iteration: start the request, wait until the server has it, 20 ms of silence, then `unsubscribe()` (podrx `images.pull`) or `AbortController.abort()` (raw fetch).",
      `Latency runs: 20 iterations per process, 100 ms pause after each, ${
        settings.runs >= 5 ? 3 : settings.runs
      } processes per side. Reconnect runs: up to 40 iterations with no pause (stopped after ${
        settings.quick ? 10 : 25
      } s), ${
        settings.quick ? 1 : 2
      } processes per side; "new request → server sees it" is what a request costs after the earlier cancellations.`,
    ],
    rows,
    verdicts: [
      {
        target: "unsubscribe → socket closed <= 50 ms",
        figure: `median ${fixed(cancelPodrx.median, 2)} ms, max ${
          fixed(cancelPodrx.max, 2)
        } ms (raw: ${fixed(cancelRaw.median, 2)} / ${fixed(cancelRaw.max, 2)})`,
        met: cancelPodrx.max <= 50,
      },
    ],
    notes: [
      `Requests that took over 100 ms to reach the server: with no pause, podrx ${
        stallText(reconnect.a, "connectMs")
      }, raw ${stallText(reconnect.b, "connectMs")}; with a 100 ms pause, podrx ${
        stallText(latency.a, "connectMs")
      }, raw ${stallText(latency.b, "connectMs")}.`,
      "Cause (see bench/README.md): every new connection makes Deno's fetch resolve the URL host `libpod` with getaddrinfo, although the connection goes to the Unix socket; a cancelled stream cannot go back to the pool, so the next request opens a new connection and pays a DNS query. When the resolver drops an answer (here: under a burst of queries), glibc waits its 5 s timeout. Raw fetch pays the same.",
    ],
  };
}

// ---------------------------------------------------------------------------------------
// Case 8: event throughput

/** What {@linkcode eventRuns} measured: both sides' runs, their rates, and the server's lines. */
interface EventRuns {
  runs: { a: Measured[]; b: Measured[] };
  podrx: Summary;
  raw: Summary;
  /** Raw rate / podrx rate. */
  ratio: number;
  info: { socketPath: string; bytes: number; lines: number };
}

/**
 * Case 8's measurement, for any line shape the fake progress server writes: events.ts as
 * podrx and as raw fetch, alternating, against one server.
 */
async function eventRuns(ctx: Context, shape?: string): Promise<EventRuns> {
  const { settings } = ctx;
  const server = await startServer(
    caseCommand("progress_server.ts", {
      totalBytes: settings.eventBytes,
      ...(shape === undefined ? {} : { shape }),
    }),
    { env: CHILD_ENV },
  );
  const info = JSON.parse(server.readyLine.slice("ready ".length)) as EventRuns["info"];
  let runs: { a: Measured[]; b: Measured[] };
  try {
    // A run takes about 2 s, and this case is the noisiest (two processes share two cores):
    // twice the usual runs.
    runs = await alternate(
      settings.runs * 2,
      () => measure(ctx, caseCommand("events.ts", { side: "podrx", socketPath: info.socketPath })),
      () => measure(ctx, caseCommand("events.ts", { side: "raw", socketPath: info.socketPath })),
    );
  } finally {
    await server.stop();
  }
  const podrx = summarize(field(runs.a, "eventsPerSecond"));
  const raw = summarize(field(runs.b, "eventsPerSecond"));
  return { runs, podrx, raw, ratio: raw.median / podrx.median, info };
}

async function eventsCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { runs, podrx, raw, ratio, info } = await eventRuns(ctx);
  const events = field(runs.a, "events")[0] ?? 0;
  return {
    id: "8",
    title: "Event throughput of a pull-progress stream",
    method: [
      `A fake server in its own process (tests/fake/fake_podman.ts) streams ${
        fixed(info.bytes / MiB, 0)
      } MiB (${info.lines} lines) of \`{"status":"Downloading","progressDetail":{"current":N,"total":M},"id":"0123456789ab"}\` lines, ending with the line that names the image.`,
      'podrx: `images.pull(...).pipe(progress())`, counting snapshots; baseline: the same bytes through `TextDecoderStream`, `split("\\n")` and `JSON.parse`. Timed in process, from the request to the end.',
    ],
    rows: [
      {
        metric: "events per second",
        unit: "events/s",
        podrx,
        baseline: raw,
        ratio,
      },
      {
        metric: "time for the whole stream",
        unit: "ms",
        podrx: summarize(field(runs.a, "opMs")),
        baseline: summarize(field(runs.b, "opMs")),
      },
    ],
    verdicts: [{
      target: "raw rate / podrx rate <= 1.20",
      figure: `${fixed(ratio, 3)} (${fixed(podrx.median / 1e6, 2)} vs ${
        fixed(raw.median / 1e6, 2)
      } M events/s)`,
      met: ratio <= 1.20,
    }],
    notes: [`podrx emitted ${events} snapshots (the server sent ${info.lines} lines).`],
  };
}

// ---------------------------------------------------------------------------------------
// Case 9: cold start

async function coldCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { bed, settings } = ctx;
  const podrxCommand = caseCommand("cold_podrx.ts", { socketPath: bed.socketPath, image: BUSYBOX });
  const rawCommand = caseCommand("cold_raw.ts", {
    socketPath: bed.socketPath,
    image: BUSYBOX,
    apiVersion: bed.apiVersion,
  });
  // Warm Deno's module cache (transpiled code) first: the figure is a start with a cache.
  await measure(ctx, podrxCommand);
  await measure(ctx, rawCommand);
  const runs = settings.quick ? 3 : 10;
  const { a, b } = await alternate(
    runs,
    () => measure(ctx, podrxCommand),
    () => measure(ctx, rawCommand),
  );
  const podrx = summarize(wall(a));
  const raw = summarize(wall(b));
  const ratio = ratioOf(podrx, raw);
  return {
    id: "9",
    title: "Cold start: `deno run` of a script that does one `get`",
    method: [
      `Whole processes, ${runs} per side alternated, after one untimed run of each (Deno's module cache warm). podrx: import mod.ts (and rxjs), \`new PodmanClient\`, one \`images.get\` (which first reads the API version from \`/_ping\`), close; raw: one \`fetch\` of the same inspect with the version given.`,
    ],
    rows: [
      { metric: "process wall time", unit: "ms", podrx, baseline: raw, ratio },
      { metric: "peak RSS", unit: "MiB", podrx: summarize(rss(a)), baseline: summarize(rss(b)) },
    ],
    verdicts: [{
      target: "(no target) podrx / raw",
      figure: `${fixed(ratio, 3)} (+${fixed(podrx.median - raw.median, 0)} ms)`,
      met: true,
    }],
    notes: [],
  };
}

// ---------------------------------------------------------------------------------------
// Extra: a real pull from the local registry

async function pullCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { bed, settings } = ctx;
  const reference = `${bed.registry}/bench/busybox:latest`;
  await bed.podman(["push", "--tls-verify=false", BUSYBOX, reference]);
  const params = (side: string) => ({
    side,
    socketPath: bed.socketPath,
    apiVersion: bed.apiVersion,
    reference,
  });
  const { a, b } = await alternate(
    settings.runs,
    () => measure(ctx, caseCommand("pull_registry.ts", params("podrx"))),
    () => measure(ctx, caseCommand("pull_registry.ts", params("raw"))),
  );
  const podrx = summarize(field(a, "opMs"));
  const raw = summarize(field(b, "opMs"));
  const ratio = ratioOf(podrx, raw);
  return {
    id: "extra",
    title: "Pull from the local registry (image already stored)",
    method: [
      'The seeded busybox pushed to the bench\'s registry, then pulled with `policy: always` (Podman checks the registry and finds the blobs present). podrx: `images.pull(ref, { tlsVerify: false, policy: "always" })`; raw: the same `POST /images/pull` read whole, then the inspect podrx does. Timed in process.',
    ],
    rows: [{ metric: "pull", unit: "ms", podrx, baseline: raw, ratio }],
    verdicts: [{ target: "(no target) podrx / raw", figure: fixed(ratio, 3), met: true }],
    notes: [],
  };
}

// ---------------------------------------------------------------------------------------
// Case 10: pull progress with bytes (Podman 6 `pullProgress`)

/** Part 1: real pulls of a big layer, removed after each run; skipped before Podman 6. */
async function realPullBytes(ctx: Context): Promise<{ rows: Row[]; verdicts: Verdict[] }> {
  const { bed, settings } = ctx;
  const image = await pushLayerImage(bed.registry, "bench/pullbytes", "1", settings.layerBytes);
  const blobBytes = image.layer.size + image.config.size;
  const params = (side: string) => ({
    side,
    socketPath: bed.socketPath,
    apiVersion: bed.apiVersion,
    reference: image.reference,
  });
  const { a, b } = await alternate(
    settings.runs,
    () => measure(ctx, caseCommand("pull_bytes.ts", params("podrx"))),
    () => measure(ctx, caseCommand("pull_bytes.ts", params("raw"))),
    async () => {
      await removeImage(bed, image.reference);
      await flushWrites();
    },
  );
  const layerMiB = fixed(image.layer.size / MiB, 0);
  const ends = a.map((run) => [Number(run.result.bytesDone), Number(run.result.bytesTotal)]);
  const whole = ends.every(([done, total]) => done === blobBytes && total === blobBytes);
  return {
    rows: [
      {
        metric: `real pull of a ${layerMiB} MiB layer: events per second`,
        unit: "per s",
        podrx: summarize(field(a, "eventsPerSecond")),
        baseline: summarize(field(b, "eventsPerSecond")),
      },
      {
        metric: "real pull: events (snapshots; raw: lines)",
        unit: "",
        podrx: summarize(field(a, "events")),
        baseline: summarize(field(b, "events")),
      },
      {
        metric: "real pull: byte progress events",
        unit: "",
        podrx: summarize(field(a, "byteEvents")),
        baseline: summarize(field(b, "byteEvents")),
      },
      {
        metric: "real pull: time",
        unit: "ms",
        podrx: summarize(field(a, "opMs")),
        baseline: summarize(field(b, "opMs")),
        ratio: ratioOf(summarize(field(a, "opMs")), summarize(field(b, "opMs"))),
      },
      {
        metric: "real pull: peak RSS",
        unit: "MiB",
        podrx: summarize(rss(a)),
        baseline: summarize(rss(b)),
      },
    ],
    verdicts: [{
      target: "last snapshot before pulled: bytesDone == bytesTotal == the registry's blob sizes",
      figure: `${ends.map(([done, total]) => `${done}/${total}`).join(", ")} (blobs ${blobBytes})`,
      met: whole,
    }],
  };
}

/** Part 2: Podman 6's byte-progress lines at full speed from the fake server, as case 8. */
async function fakePullBytes(
  ctx: Context,
): Promise<{ rows: Row[]; verdicts: Verdict[]; lines: number; bytes: number }> {
  const { runs, podrx, raw, ratio, info } = await eventRuns(ctx, "pullProgress");
  return {
    rows: [
      {
        metric: "fake server at full speed: events per second",
        unit: "events/s",
        podrx,
        baseline: raw,
        ratio,
      },
      {
        metric: "fake server: peak RSS",
        unit: "MiB",
        podrx: summarize(rss(runs.a)),
        baseline: summarize(rss(runs.b)),
      },
    ],
    verdicts: [{
      target: "(no target) fake server: raw rate / podrx rate (case 8's is 1.20)",
      figure: `${fixed(ratio, 3)} (${fixed(podrx.median / 1e6, 2)} vs ${
        fixed(raw.median / 1e6, 2)
      } M events/s)`,
      met: true,
    }],
    lines: info.lines,
    bytes: info.bytes,
  };
}

async function pullProgressCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { bed, settings } = ctx;
  const real = apiAtLeast(bed.apiVersion, 6)
    ? await realPullBytes(ctx)
    : { rows: [], verdicts: [] };
  const fake = await fakePullBytes(ctx);
  return {
    id: "10",
    title: "Pull progress with bytes (Podman 6 `pullProgress`)",
    method: [
      `Real pulls (Podman 6 only; run with \`PODRX_PODMAN=experimental\`): an image of one uncompressed ${
        fixed(settings.layerBytes / MiB, 0)
      } MiB layer put into the bench's registry over its HTTP API, pulled ${settings.runs} times per side, alternated, and removed after every run (untimed, with \`sync\`). podrx: \`images.pull(ref, { tlsVerify: false, pullProgress: true }).pipe(progress())\`, counting snapshots; raw: the same \`POST /images/pull?pullProgress=true\` read line by line with \`JSON.parse\`, then the inspect podrx does. Podman reports a blob's bytes at most once a second, so the rate is the server's.`,
      `Fake server at full speed, as case 8 but with Podman 6.1's byte-progress lines (\`{"status":"pulling","stream":"Pulling artifact","pullProgress":{"status":"pulling","current":N,"total":M,"progressComponentID":"sha256:…"}}\`): ${
        fixed(fake.bytes / MiB, 0)
      } MiB, ${fake.lines} lines, ${settings.runs * 2} runs per side: what podrx can take.`,
    ],
    rows: [...real.rows, ...fake.rows],
    verdicts: [...real.verdicts, ...fake.verdicts],
    notes: apiAtLeast(bed.apiVersion, 6)
      ? []
      : [`Real pulls skipped: Podman ${bed.podmanVersion} has no byte progress.`],
  };
}

// ---------------------------------------------------------------------------------------
// Case 11: an artifact's round trip (add, push, remove, pull, extract), Podman 5.6 and later

const ARTIFACT_PHASES = ["add", "push", "remove", "pull", "extract"] as const;
type ArtifactPhase = typeof ARTIFACT_PHASES[number];

/** What bench/cases/artifact_roundtrip.ts reports of one phase. */
interface PhaseFigures {
  ms: number;
  startMiB: number;
  peakMiB: number;
  rssMiB: number;
  heapMiB: number;
}

/** One podrx round trip: its phases, and whether the bytes came back. */
interface PodrxTrip {
  phases: Record<ArtifactPhase, PhaseFigures>;
  /** Resident memory once the client is made, before the first phase. */
  beforeMiB: number;
  /**
   * The process's peak: the largest of the phases' peaks. (`/usr/bin/time`'s figure is not
   * it: setting `VmHWM` back for each phase sets back the peak the kernel reports at exit.)
   */
  peakMiB: number;
  difference: string | undefined;
}

/**
 * One CLI round trip: a process per phase, and a no-op one for Podman's start; then the same
 * endpoints podrx uses for add and extract, with curl (and tar), on the same file.
 */
interface CliTrip {
  noop: Measured;
  phases: Record<ArtifactPhase, Measured>;
  curlAdd: Measured;
  curlExtract: Measured;
  difference: string | undefined;
}

/** Where a podrx round trip's add takes its bytes: a plain stream unless said otherwise. */
interface TripSource {
  /** A file of the bytes, added by path. */
  file?: string;
  /** A byte stream (`type: "bytes"`) of the bytes. */
  byteStream?: boolean;
}

async function podrxTrip(
  ctx: Context,
  name: string,
  bytes: number,
  seed: number,
  source: TripSource = {},
): Promise<PodrxTrip> {
  const directory = `${ctx.work}/artifact-out`;
  const [deno, run, ...rest] = caseCommand("artifact_roundtrip.ts", {
    socketPath: ctx.bed.socketPath,
    name,
    bytes,
    seed,
    ...source,
    directory,
  });
  try {
    const { result } = await measure(ctx, [deno!, run!, "--v8-flags=--expose-gc", ...rest]);
    if (result.peakReset !== true || result.collected !== true) {
      throw new Error(`no per-phase peaks (clear_refs or gc refused): ${JSON.stringify(result)}`);
    }
    const phases = result.phases as Record<ArtifactPhase, PhaseFigures>;
    const beforeMiB = (result.before as { rssMiB: number }).rssMiB;
    return {
      phases,
      beforeMiB,
      peakMiB: Math.max(beforeMiB, ...ARTIFACT_PHASES.map((phase) => phases[phase].peakMiB)),
      difference: await differenceFromGenerated(`${directory}/weights.bin`, bytes, seed),
    };
  } finally {
    await Deno.remove(directory, { recursive: true }).catch(() => {});
    await ctx.bed.podman(["artifact", "rm", "--ignore", name]);
    await flushWrites();
  }
}

async function cliTrip(ctx: Context, name: string, bytes: number, seed: number): Promise<CliTrip> {
  const { bed, work } = ctx;
  const source = `${work}/artifact-in/weights.bin`;
  const directory = `${work}/artifact-out`;
  await Deno.mkdir(`${work}/artifact-in`, { recursive: true });
  await Deno.mkdir(directory, { recursive: true });
  const cli = (args: string[]) => measure(ctx, bed.podmanCommand(args), bed.podmanEnv);
  try {
    await writeGenerated(source, bytes, seed);
    await flushWrites();
    const noop = await cli(["artifact", "ls", "--noheading"]);
    const phases = {
      add: await cli(["artifact", "add", name, source]),
      push: await cli(["artifact", "push", "--tls-verify=false", name]),
      remove: await cli(["artifact", "rm", name]),
      pull: await cli(["artifact", "pull", "--tls-verify=false", name]),
      extract: await cli(["artifact", "extract", name, directory]),
    };
    const difference = await differenceFromGenerated(`${directory}/weights.bin`, bytes, seed);
    await Deno.remove(directory, { recursive: true });
    await Deno.mkdir(directory);
    await flushWrites();
    const api = `http://libpod/v${bed.apiVersion}/libpod/artifacts`;
    const curl = `curl -sS --fail --unix-socket '${bed.socketPath}'`;
    const curlExtract = await measure(ctx, [
      "sh",
      "-c",
      `${curl} '${api}/${encodeURIComponent(name)}/extract' | tar -x -C '${directory}' -f -`,
    ]);
    const extracted = await differenceFromGenerated(`${directory}/weights.bin`, bytes, seed);
    await flushWrites();
    const query = new URLSearchParams({ name: `${name}-curl`, fileName: "weights.bin" });
    const curlAdd = await measure(ctx, [
      "sh",
      "-c",
      `${curl} -X POST -H 'Content-Type: application/octet-stream' -T '${source}' '${api}/add?${query}' > /dev/null`,
    ]);
    await bed.podman(["artifact", "rm", `${name}-curl`]);
    return { noop, phases, curlAdd, curlExtract, difference: difference ?? extracted };
  } finally {
    await Deno.remove(`${work}/artifact-in`, { recursive: true }).catch(() => {});
    await Deno.remove(directory, { recursive: true }).catch(() => {});
    await bed.podman(["artifact", "rm", "--ignore", name, `${name}-curl`]);
    await flushWrites();
  }
}

/** A podrx round trip adding from a file of the generated bytes (written untimed). */
async function podrxFileTrip(
  ctx: Context,
  name: string,
  bytes: number,
  seed: number,
): Promise<PodrxTrip> {
  const path = `${ctx.work}/artifact-in/weights.bin`;
  await Deno.mkdir(`${ctx.work}/artifact-in`, { recursive: true });
  try {
    await writeGenerated(path, bytes, seed);
    await flushWrites();
    return await podrxTrip(ctx, name, bytes, seed, { file: path });
  } finally {
    await Deno.remove(`${ctx.work}/artifact-in`, { recursive: true }).catch(() => {});
  }
}

/** Makes the bytes once in this process, for the note on what the stream itself costs. */
async function generatorMs(bytes: number): Promise<number> {
  const started = performance.now();
  for await (const _chunk of generatedStream(bytes, 7)) {
    // Only made, and dropped.
  }
  return performance.now() - started;
}

async function artifactRoundTripCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { bed, settings } = ctx;
  const { main, large } = settings.artifactBytes;
  const label = (bytes: number) =>
    bytes >= GiB ? `${fixed(bytes / GiB, 0)} GiB` : `${fixed(bytes / MiB, 0)} MiB`;
  const runs = settings.runs;
  const largeRuns = Math.min(2, runs);
  const result: Omit<CaseResult, "seconds"> = {
    id: "11",
    title: `An artifact's round trip: add, push, remove, pull, extract of ${label(main)}`,
    method: [
      `podrx, in its own process: \`artifacts.add(name, { fileName: "weights.bin", data })\` where \`data\` is a ReadableStream of ${
        label(main)
      } made on the fly (fresh 1 MiB chunks of a seeded xorshift32, bench/_generated_bytes.ts, each made when fetch asks for it), then \`push(name, { tlsVerify: false })\` to the bench's registry, \`remove(name)\`, \`pull(name, { tlsVerify: false })\`, \`extract(name, dir)\`. Each phase is timed in process (the client made and the API version read before). Memory: before each phase a full garbage collection (\`--expose-gc\`) drops what the last phase left for the collector, the peak (\`VmHWM\`) is set back to the resident size (\`/proc/self/clear_refs\`), and the resident size is read at the start and the end; the process's peak is the largest phase's.`,
      "Baseline: the Podman CLI of the same Podman on the service's storage (its `--root` and `--runroot`; the chroot's program under `PODRX_PODMAN=sid|experimental`): `podman artifact add NAME FILE` of the same kind of bytes written to a file beforehand (untimed), `artifact push --tls-verify=false`, `artifact rm`, `artifact pull --tls-verify=false`, `artifact extract NAME DIR`, each its own process, wall time and peak RSS (`ru_maxrss`) from `/usr/bin/time`. Its times include Podman's start: a no-op `podman artifact ls` is timed in every round for that floor.",
      "In the same round, after the CLI's: curl on the endpoints podrx uses for add and extract, as processes (`curl -T FILE` to `POST /libpod/artifacts/add`, `curl .../extract | tar -x -C DIR`), to tell the API's own time from podrx's; curl's extracted file is checked too.",
      'Two more podrx sides differ in add only: from a file by path (`data: FILE`), on the same footing as the CLI\'s add (both read a file), and from a byte stream (`new ReadableStream({ type: "bytes", ... })`) of the same generator.',
      `${runs} rounds, the sides in turn (podrx stream, CLI and curl, podrx file, podrx byte stream). Every run has its own seed and tag, so no blob is in the registry or the store before its push or pull (no cross-repository mount, no cached blob). After every run (untimed) the extracted \`weights.bin\` is compared with the generator's bytes made again chunk by chunk, the artifact is removed, and \`sync\` writes out what the run left. Then ${largeRuns} podrx stream round trips of ${
        label(large)
      }, to see whether memory grows with the size.`,
    ],
    rows: [],
    verdicts: [],
    notes: [],
  };
  if (!apiAtLeast(bed.apiVersion, 5, 6)) {
    result.notes.push(
      `Not run: Podman ${bed.podmanVersion} has no artifacts (5.6 and later); run with ` +
        "`PODRX_PODMAN=sid` or `experimental`.",
    );
    return result;
  }
  const stream: PodrxTrip[] = [];
  const cli: CliTrip[] = [];
  const file: PodrxTrip[] = [];
  const byteStream: PodrxTrip[] = [];
  const largeTrips: PodrxTrip[] = [];
  const reference = (side: string, run: number) => `${bed.registry}/bench/artifact:${side}-${run}`;
  const seedBase = Date.now() % 1_000_000;
  for (let run = 0; run < runs; run++) {
    console.log(`  round ${run + 1} of ${runs}`);
    const seed = seedBase + run * 10;
    stream.push(await podrxTrip(ctx, reference("stream", run), main, seed));
    cli.push(await cliTrip(ctx, reference("cli", run), main, seed + 1));
    file.push(await podrxFileTrip(ctx, reference("file", run), main, seed + 2));
    byteStream.push(
      await podrxTrip(ctx, reference("bytes", run), main, seed + 4, { byteStream: true }),
    );
  }
  console.log(`  ${label(large)} round trips`);
  for (let run = 0; run < largeRuns; run++) {
    largeTrips.push(await podrxTrip(ctx, reference("large", run), large, seedBase + run * 10 + 3));
  }

  const podrxPhase = (trips: PodrxTrip[], phase: ArtifactPhase, key: keyof PhaseFigures) =>
    summarize(trips.map((trip) => trip.phases[phase][key]));
  const growth = (trips: PodrxTrip[], phase: ArtifactPhase) =>
    summarize(trips.map((trip) => trip.phases[phase].peakMiB - trip.phases[phase].startMiB));
  const cliPhase = (phase: ArtifactPhase, key: "wallMs" | "peakRssMiB") =>
    summarize(cli.map((trip) => trip.phases[phase][key]));
  const ratios = {} as Record<ArtifactPhase, number>;
  for (const phase of ARTIFACT_PHASES) {
    const podrx = podrxPhase(stream, phase, "ms");
    const baseline = cliPhase(phase, "wallMs");
    ratios[phase] = ratioOf(podrx, baseline);
    result.rows.push({
      metric: `${phase}: time (podrx: in process; CLI: its process)`,
      unit: "ms",
      podrx,
      baseline,
      ratio: ratios[phase],
    });
  }
  const fileAdd = podrxPhase(file, "add", "ms");
  const cliAdd = cliPhase("add", "wallMs");
  result.rows.push(
    {
      metric: "add from a file (podrx: `data: path`; CLI: as above)",
      unit: "ms",
      podrx: fileAdd,
      baseline: cliAdd,
      ratio: ratioOf(fileAdd, cliAdd),
    },
    {
      metric: 'add from a byte stream (podrx: `type: "bytes"`; CLI: as above)',
      unit: "ms",
      podrx: podrxPhase(byteStream, "add", "ms"),
      baseline: cliAdd,
      ratio: ratioOf(podrxPhase(byteStream, "add", "ms"), cliAdd),
    },
    {
      metric: "add from a file: podrx (`data: path`) against curl (`-T FILE`) on the endpoint",
      unit: "ms",
      podrx: fileAdd,
      baseline: summarize(wall(cli.map((trip) => trip.curlAdd))),
      ratio: ratioOf(fileAdd, summarize(wall(cli.map((trip) => trip.curlAdd)))),
    },
    {
      metric: "extract: podrx against curl piped to `tar -x` (process)",
      unit: "ms",
      podrx: podrxPhase(stream, "extract", "ms"),
      baseline: summarize(wall(cli.map((trip) => trip.curlExtract))),
      ratio: ratioOf(
        podrxPhase(stream, "extract", "ms"),
        summarize(wall(cli.map((trip) => trip.curlExtract))),
      ),
    },
    {
      metric: "CLI start: a no-op `podman artifact ls` process",
      unit: "ms",
      podrx: summarize([]),
      baseline: summarize(cli.map((trip) => trip.noop.wallMs)),
    },
    {
      metric: "the five phases together (podrx: in process; CLI: 5 processes)",
      unit: "ms",
      podrx: summarize(
        stream.map((trip) => ARTIFACT_PHASES.reduce((sum, p) => sum + trip.phases[p].ms, 0)),
      ),
      baseline: summarize(
        cli.map((trip) => ARTIFACT_PHASES.reduce((sum, p) => sum + trip.phases[p].wallMs, 0)),
      ),
    },
  );
  for (const phase of ARTIFACT_PHASES) {
    result.rows.push({
      metric: `${phase}: peak RSS (podrx: the process during the phase; CLI: its process)`,
      unit: "MiB",
      podrx: podrxPhase(stream, phase, "peakMiB"),
      baseline: cliPhase(phase, "peakRssMiB"),
    });
  }
  for (const phase of ARTIFACT_PHASES) {
    result.rows.push({
      metric: `${phase}: podrx RSS growth during the phase (peak − start)`,
      unit: "MiB",
      podrx: growth(stream, phase),
    });
  }
  const peak = (trips: PodrxTrip[]) => summarize(trips.map((trip) => trip.peakMiB));
  const mainPeak = peak(stream);
  const largePeak = peak(largeTrips);
  result.rows.push(
    {
      metric: "add from a file: podrx RSS growth during add",
      unit: "MiB",
      podrx: growth(file, "add"),
    },
    {
      metric: "add from a byte stream: podrx RSS growth during add",
      unit: "MiB",
      podrx: growth(byteStream, "add"),
    },
    {
      metric: "podrx RSS once the client is made (before add)",
      unit: "MiB",
      podrx: summarize(stream.map((trip) => trip.beforeMiB)),
    },
    {
      metric: "podrx RSS after extract",
      unit: "MiB",
      podrx: podrxPhase(stream, "extract", "rssMiB"),
    },
    {
      metric: `podrx process peak RSS, ${label(main)} from a stream`,
      unit: "MiB",
      podrx: mainPeak,
    },
    {
      metric: `podrx process peak RSS, ${label(main)} from a file`,
      unit: "MiB",
      podrx: peak(file),
    },
    {
      metric: `podrx process peak RSS, ${label(main)} from a byte stream`,
      unit: "MiB",
      podrx: peak(byteStream),
    },
    {
      metric: `podrx process peak RSS, ${label(large)} from a stream`,
      unit: "MiB",
      podrx: largePeak,
    },
    ...ARTIFACT_PHASES.map((phase) => ({
      metric: `${label(large)}: ${phase} time; podrx RSS growth during it`,
      unit: "ms; MiB",
      podrx: podrxPhase(largeTrips, phase, "ms"),
      baseline: growth(largeTrips, phase),
    })),
  );

  const differences = [...stream, ...file, ...byteStream, ...largeTrips, ...cli]
    .map((trip) => trip.difference)
    .filter((difference): difference is string => difference !== undefined);
  const trips = stream.length + file.length + byteStream.length + largeTrips.length +
    cli.length;
  result.verdicts.push({
    target: "every extracted file equal to the generated bytes, byte for byte",
    figure: differences.length === 0
      ? `${trips} of ${trips} (podrx: stream ${stream.length}, file ${file.length}, byte stream ${byteStream.length}, ${
        label(large)
      } ${largeTrips.length}; CLI ${cli.length})`
      : differences.slice(0, 3).join("; "),
    met: differences.length === 0,
  });
  const grown = largePeak.median - mainPeak.median;
  result.verdicts.push({
    target: `podrx peak RSS flat in the size (${label(main)} → ${label(large)}, within 8 MiB)`,
    figure: `${fixed(mainPeak.median)} → ${fixed(largePeak.median)} MiB (${grown >= 0 ? "+" : ""}${
      fixed(grown)
    })`,
    met: grown <= 8,
  });
  for (const phase of ["push", "pull", "add", "extract"] as const) {
    result.verdicts.push({
      target: `(no target) ${phase}: podrx / CLI`,
      figure: `${fixed(ratios[phase], 3)} (${fixed(podrxPhase(stream, phase, "ms").median, 0)} vs ${
        fixed(cliPhase(phase, "wallMs").median, 0)
      } ms)`,
      met: true,
    });
  }
  result.notes.push(
    `Making the ${label(main)} alone (the stream read and dropped, no podrx) takes ${
      fixed(await generatorMs(main), 0)
    } ms in the runner's process: part of the stream side's add, none of the CLI's.`,
  );
  return result;
}

// ---------------------------------------------------------------------------------------
// Fleet: distribution to many hosts, and many hosts at once

/** Private services for the fleet cases, started a few at a time (each start runs podman). */
async function spawnFleetHosts(ctx: Context, count: number): Promise<PodmanClient[]> {
  const hosts: PodmanClient[] = [];
  try {
    for (let first = 0; first < count; first += 8) {
      const batch = Math.min(8, count - first);
      hosts.push(
        ...await Promise.all(
          Array.from({ length: batch }, () =>
            PodmanClient.spawn({
              storage: "private",
              storageDriver: "vfs",
              registriesConf: `${ctx.work}/registries.conf`,
              env: { BUILDAH_ISOLATION: "chroot" },
            })),
        ),
      );
    }
    return hosts;
  } catch (error) {
    await Promise.allSettled(hosts.map((host) => host.close()));
    throw error;
  }
}

/** Resident memory of the services' processes, in MiB (the bed's own cost, not podrx's). */
async function servicesRssMiB(hosts: readonly PodmanClient[]): Promise<number> {
  let kib = 0;
  for (const host of hosts) {
    const status = await Deno.readTextFile(`/proc/${host.service!.pid}/status`);
    kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kib / 1024;
}

/** Checks that every host has the image `id`, then removes it (untimed, between runs). */
async function takeBack(hosts: readonly PodmanClient[], id: string): Promise<void> {
  const missing: string[] = [];
  await Promise.all(hosts.map(async (host) => {
    if (!await lastValueFrom(host.images.exists(id))) {
      missing.push(host.service!.socketPath);
      return;
    }
    await lastValueFrom(host.images.remove(id, { force: true }));
  }));
  if (missing.length > 0) throw new Error(`The image is missing on ${missing.join(", ")}`);
  await flushWrites();
}

/** `curl` save piped through `tee` into one `curl` load per host, all at once. */
function streamBaseline(ctx: Context, targets: readonly string[], image: string): string[] {
  const api = `http://libpod/v${ctx.bed.apiVersion}/libpod`;
  const loads = targets.map((socket, index) =>
    `mkfifo "$d/f${index}"; curl -sS --fail --unix-socket '${socket}' -X POST ` +
    `-H 'Content-Type: application/x-tar' -T - '${api}/images/load' < "$d/f${index}" ` +
    `> /dev/null & pids="$pids $!"`
  );
  const fifos = targets.map((_, index) => `"$d/f${index}"`).join(" ");
  const script = [
    "set -e",
    `d=$(mktemp -d -p '${ctx.work}')`,
    'pids=""',
    ...loads,
    `curl -sS --fail --unix-socket '${ctx.bed.socketPath}' ` +
    `'${api}/images/${
      encodeURIComponent(image)
    }/get?format=docker-archive' | tee ${fifos} > /dev/null`,
    "for pid in $pids; do wait $pid; done",
    'rm -r "$d"',
  ].join("\n");
  return ["bash", "-c", script];
}

/** One `podman push`, then `podman --url ... pull` on every host at once. */
function registryBaseline(
  ctx: Context,
  targets: readonly string[],
  image: string,
  reference: string,
): string[] {
  const script = [
    "set -e",
    `podman --url 'unix://${ctx.bed.socketPath}' push -q --tls-verify=false '${image}' '${reference}'`,
    'pids=""',
    ...targets.map((socket) =>
      `podman --url 'unix://${socket}' pull -q --tls-verify=false '${reference}' > /dev/null & ` +
      'pids="$pids $!"'
    ),
    "for pid in $pids; do wait $pid; done",
  ].join("\n");
  return ["bash", "-c", script];
}

async function fleetCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { bed, work, settings } = ctx;
  const size = settings.quick
    ? { label: "32m", bytes: 32 * MiB }
    : { label: "256m", bytes: 256 * MiB };
  const image = `localhost/bench/fleet:${size.label}`;
  const reference = `${bed.registry}/bench/fleet:${size.label}`;
  console.log(`  making the ${size.label} image`);
  const archive = `${work}/fleet-${size.label}.tar`;
  const id = await makeBigImage(bed, work, image, size.bytes, archive);
  await Deno.remove(archive);
  // Untimed: from here on every push finds the layer in the registry (see the method).
  await bed.podman(["push", "--tls-verify=false", image, reference]);
  const counts = [2, 4, 8];
  console.log(`  starting ${counts.at(-1)} private services`);
  const hosts = await spawnFleetHosts(ctx, counts.at(-1)!);
  const rows: Row[] = [];
  const verdicts: Verdict[] = [];
  const notes: string[] = [];
  try {
    for (const route of ["stream", "registry"] as const) {
      const peaks: { count: number; rss: Summary }[] = [];
      for (const count of counts) {
        const targets = hosts.slice(0, count);
        const sockets = targets.map((host) => host.service!.socketPath);
        const podrx = (): Promise<Measured> =>
          measure(
            ctx,
            caseCommand("fleet_distribute.ts", {
              source: bed.socketPath,
              targets: sockets,
              image,
              ...(route === "registry" ? { registry: bed.registry } : {}),
            }),
          ).then((run) => {
            const ids = run.result.ids as string[];
            if (run.result.hosts !== count + 1 || ids.length !== 1 || ids[0] !== id) {
              throw new Error(`${route} to ${count} hosts: ${JSON.stringify(run.result)}`);
            }
            return run;
          });
        const between = () => takeBack(targets, id);
        console.log(`  ${route} route, ${count} hosts`);
        let podrxRuns: Measured[];
        if (count === counts.at(-1)) {
          const baseline = route === "stream"
            ? streamBaseline(ctx, sockets, image)
            : registryBaseline(ctx, sockets, image, reference);
          const { a, b } = await alternate(
            settings.bigRuns,
            podrx,
            () => measure(ctx, baseline),
            between,
          );
          podrxRuns = a;
          const podrxWall = summarize(wall(a));
          const baseWall = summarize(wall(b));
          const ratio = ratioOf(podrxWall, baseWall);
          rows.push({
            metric: `${route} route, ${count} hosts: wall time`,
            unit: "ms",
            podrx: podrxWall,
            baseline: baseWall,
            ratio,
          });
          rows.push({
            metric: `${route} route, ${count} hosts: in-process distribute()`,
            unit: "ms",
            podrx: summarize(field(a, "opMs")),
          });
          verdicts.push({
            target: `${route} route, ${count} hosts: podrx / baseline ≤ 1.10`,
            figure: fixed(ratio, 3),
            met: ratio <= 1.10,
          });
        } else {
          podrxRuns = [];
          for (let run = 0; run < settings.bigRuns; run++) {
            podrxRuns.push(await podrx());
            await between();
          }
        }
        const peak = summarize(rss(podrxRuns));
        peaks.push({ count, rss: peak });
        rows.push({ metric: `${route} route, ${count} hosts: peak RSS`, unit: "MiB", podrx: peak });
      }
      const highest = Math.max(...peaks.map((peak) => peak.rss.max));
      const spread = Math.max(...peaks.map((peak) => peak.rss.median)) -
        Math.min(...peaks.map((peak) => peak.rss.median));
      verdicts.push({
        target: `${route} route: peak RSS ≤ 100 MiB at 2, 4 and 8 hosts`,
        figure: `${fixed(highest)} MiB at most`,
        met: highest <= 100,
      });
      verdicts.push({
        target: `${route} route: peak RSS flat in the hosts (medians within 10 MiB)`,
        figure: peaks.map((peak) => `${peak.count}: ${fixed(peak.rss.median)}`).join(", ") +
          ` MiB (spread ${fixed(spread)})`,
        met: spread <= 10,
      });
    }
    notes.push(
      `The ${hosts.length} host services together held ${
        fixed(await servicesRssMiB(hosts), 0)
      } MiB resident after the case (the bed's cost, not podrx's).`,
    );
  } finally {
    await Promise.allSettled(hosts.map((host) => host.close()));
  }
  return {
    id: "fleet",
    title: `Fleet distribution of a ${size.label} image`,
    method: [
      `Source: the bench's service; hosts: ${
        counts.at(-1)
      } more private services (\`PodmanClient.spawn\`, vfs), all on this machine. The image: one layer holding one random file of ${size.label}.`,
      "Stream route. podrx: `fleet.images.distribute(name, { from })` in its own process (one save on the source, its body fanned out to every host's load). Baseline: `curl` save piped through `tee` into one FIFO per host, each read by a `curl -T -` load, all at once (bash).",
      "Registry route. podrx: `fleet.images.distribute(name, { from, via: { registry, tlsVerify: false } })`. Baseline: one `podman --url unix://SRC push`, then `podman --url unix://HOST pull` on every host at once (bash). The image was pushed once before the case (untimed), so every timed push, podrx's and the baseline's, finds the layer in the registry and sends only the manifest: the route's time is the pulls.",
      "Wall time of the whole process (podrx's includes Deno's start and module loading, ~0.1–0.2 s); podrx and the baseline alternate at 8 hosts; at 2 and 4 hosts podrx runs alone, for its peak RSS. After every run (untimed) each host is checked to hold the source's image id, the image is removed from every host, and `sync` writes out what the run left.",
    ],
    rows,
    verdicts,
    notes,
  };
}

async function fleetScaleCase(ctx: Context): Promise<Omit<CaseResult, "seconds">> {
  const { bed, settings } = ctx;
  const count = settings.quick ? 8 : 32;
  const reference = `${bed.registry}/bench/busybox:latest`;
  await bed.podman(["push", "--tls-verify=false", BUSYBOX, reference]);
  console.log(`  starting ${count} private services`);
  const spawnStarted = performance.now();
  const hosts = await spawnFleetHosts(ctx, count);
  const spawnMs = performance.now() - spawnStarted;
  const rows: Row[] = [];
  const verdicts: Verdict[] = [];
  const notes: string[] = [];
  try {
    const idleRss = await servicesRssMiB(hosts);
    const sockets = hosts.map((host) => host.service!.socketPath);
    const runs: Measured[] = [];
    for (let run = 0; run < settings.runs; run++) {
      runs.push(await measure(ctx, caseCommand("fleet_scale.ts", { sockets, reference })));
      const image = await lastValueFrom(hosts[0]!.images.get(reference));
      await takeBack(hosts, image.id);
    }
    const counted = (name: "list" | "pull", key: "done" | "failed") =>
      runs.map((run) => (run.result[name] as Record<string, number>)[key]!);
    const allDone = runs.every((run) =>
      (run.result.list as { done: number }).done === count &&
      (run.result.pull as { done: number }).done === count
    );
    rows.push(
      {
        metric: `list on ${count} hosts`,
        unit: "ms",
        podrx: summarize(runs.map((run) => (run.result.list as { ms: number }).ms)),
      },
      {
        metric: `pull of busybox on ${count} hosts`,
        unit: "ms",
        podrx: summarize(runs.map((run) => (run.result.pull as { ms: number }).ms)),
      },
      { metric: "whole process: wall time", unit: "ms", podrx: summarize(wall(runs)) },
      { metric: "whole process: peak RSS", unit: "MiB", podrx: summarize(rss(runs)) },
    );
    verdicts.push({
      target: `every one of ${count} hosts accounted for (done) in list and pull`,
      figure: `list done ${counted("list", "done").join("/")}, failed ${
        counted("list", "failed").join("/")
      }; pull done ${counted("pull", "done").join("/")}, failed ${
        counted("pull", "failed").join("/")
      }`,
      met: allDone,
    });
    verdicts.push({
      target: `(no target) peak RSS with ${count} hosts`,
      figure: `${fixed(summarize(rss(runs)).median)} MiB`,
      met: true,
    });
    notes.push(
      `The bed itself: starting the ${count} services took ${
        fixed(spawnMs / 1000, 1)
      } s (8 at a time); idle, they held ${fixed(idleRss, 0)} MiB resident together (${
        fixed(idleRss / count, 0)
      } MiB each), ${fixed(await servicesRssMiB(hosts), 0)} MiB after the runs.`,
    );
  } finally {
    await Promise.allSettled(hosts.map((host) => host.close()));
  }
  return {
    id: "fleet-scale",
    title: `A fleet of ${count} hosts: list and a small pull`,
    method: [
      `${count} private services (\`PodmanClient.spawn\`, vfs) on this machine. podrx, in its own process: \`fleet.images.list()\`, then \`fleet.images.pull(busybox, { tlsVerify: false })\` from the bench's registry, every host at once; each host's outcome (\`done\` or \`failed\`) is counted. Between runs (untimed) every host is checked to hold the image, which is then removed.`,
    ],
    rows,
    verdicts,
    notes,
  };
}

// ---------------------------------------------------------------------------------------
// The report

function cell(summary: Summary | undefined, unit: string): string {
  if (!summary || summary.n === 0) return "—";
  const digits = unit === "µs" || unit === "MiB/s" ? 0 : unit === "events/s" ? 0 : 1;
  const format = (value: number) =>
    unit === "events/s"
      ? `${fixed(value / 1e6, 3)} M`
      : Math.abs(value) >= 1000 && unit === "ms"
      ? fixed(value, 0)
      : fixed(value, unit === "ms" && Math.abs(value) < 10 ? 2 : digits);
  if (summary.n === 1) return format(summary.median);
  return `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})`;
}

async function machineInfo(bed: Bed | undefined): Promise<string[]> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo")).split("\n")
    .find((line) => line.startsWith("model name"))?.split(":")[1]?.trim() ?? "unknown";
  const memKiB = Number(
    /MemTotal:\s+(\d+)/.exec(await Deno.readTextFile("/proc/meminfo"))?.[1] ?? 0,
  );
  const curl = await new Deno.Command("curl", { args: ["--version"] }).output();
  return [
    `- CPU: ${cpu}, ${navigator.hardwareConcurrency} cores; RAM ${
      fixed(memKiB / 1024 / 1024, 1)
    } GiB`,
    `- OS: ${Deno.build.os} ${Deno.osRelease()} (${Deno.build.arch})`,
    `- Deno ${Deno.version.deno} (V8 ${Deno.version.v8})`,
    `- Podman ${bed?.podmanVersion ?? "?"} (libpod API ${
      bed?.apiVersion ?? "?"
    }), private storage, vfs driver, \`BUILDAH_ISOLATION=chroot\``,
    `- ${new TextDecoder().decode(curl.stdout).split("\n")[0]}`,
  ];
}

function renderReport(
  results: CaseResult[],
  failures: { name: string; message: string }[],
  header: { started: Date; seconds: number; loadStart: number[]; loadEnd: number[] },
  machine: string[],
  settings: Settings,
): string {
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(", ");
  const lines = [
    "# podrx benchmark results",
    "",
    `Written by \`deno task bench\` (bench/run.ts) on ${header.started.toISOString()}; the whole run took ${
      fixed(header.seconds / 60, 1)
    } min.${settings.quick ? " **Quick mode: small sizes, 2 runs; not the real figures.**" : ""}`,
    "Every figure is median (min–max) over the runs; the ratio is podrx's median over the baseline's. How each case is measured, and the causes of missed targets: bench/README.md.",
    "",
    "## Machine",
    "",
    ...machine,
    `- Load average (1, 5, 15 min): ${load(header.loadStart)} at the start, ${
      load(header.loadEnd)
    } at the end (the machine is shared)`,
    "",
    "## Targets",
    "",
    "| case | target | figure | |",
    "| --- | --- | --- | --- |",
  ];
  for (const result of results) {
    for (const verdict of result.verdicts) {
      const mark = verdict.target.startsWith("(no target)")
        ? "info"
        : verdict.met
        ? "**met**"
        : "**MISSED**";
      lines.push(
        `| ${result.id}. ${result.title} | ${verdict.target} | ${verdict.figure} | ${mark} |`,
      );
    }
  }
  for (const failure of failures) {
    lines.push(
      `| ${failure.name} | case failed | ${failure.message.split("\n")[0]} | **MISSED** |`,
    );
  }
  for (const result of results) {
    lines.push(
      "",
      `## ${result.id}. ${result.title}`,
      "",
      ...result.method.map((line) => `- ${line}`),
      `- Case time: ${fixed(result.seconds, 0)} s.`,
      "",
      "| figure | unit | podrx | baseline | ratio |",
      "| --- | --- | --- | --- | --- |",
      ...result.rows.map((row) =>
        `| ${row.metric} | ${row.unit} | ${cell(row.podrx, row.unit)} | ${
          cell(row.baseline, row.unit)
        } | ${row.ratio === undefined ? "" : fixed(row.ratio, 3)} |`
      ),
    );
    if (result.notes.length) lines.push("", ...result.notes.map((note) => `- ${note}`));
  }
  for (const failure of failures) {
    lines.push("", `## ${failure.name}: failed`, "", "```", failure.message, "```");
  }
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------

const CASES: Record<
  CaseName,
  (ctx: Context) => Promise<Omit<CaseResult, "seconds"> | Omit<CaseResult, "seconds">[]>
> = {
  calls: callsCase,
  concurrency: concurrencyCase,
  cold: coldCase,
  events: eventsCase,
  cancel: cancelCase,
  liveness: livenessCase,
  pull: pullCase,
  build: buildCase,
  archives: archivesCases,
  local: localLoadCase,
  fleet: fleetCase,
  "fleet-scale": fleetScaleCase,
  "pull-progress": pullProgressCase,
  "artifact-roundtrip": artifactRoundTripCase,
};

async function main(): Promise<number> {
  const settings = parseSettings(Deno.args);
  const started = new Date();
  const startedAt = performance.now();
  const loadStart = Deno.loadavg();
  const disk = await new Deno.Command("df", { args: ["-h", "/tmp"] }).output();
  console.log(`podrx bench: load average ${loadStart.join(" ")}`);
  console.log(new TextDecoder().decode(disk.stdout).trim());
  const work = await Deno.makeTempDir({ prefix: "podrx-bench-" });
  let bed: Bed | undefined;
  const results: CaseResult[] = [];
  const failures: { name: string; message: string }[] = [];
  let machine: string[] = [];
  try {
    bed = await startBed(work);
    console.log(
      `podrx bench: Podman ${bed.podmanVersion} at ${bed.socketPath}, registry ${bed.registry}`,
    );
    const busyboxId = await seedBusybox(bed, work, BUSYBOX);
    await seedListImages(bed, work, LIST_IMAGES - 1);
    const count = (await lastValueFrom(bed.client.images.list())).length;
    if (count !== LIST_IMAGES) throw new Error(`The storage holds ${count} images, not 50`);
    machine = await machineInfo(bed);
    const ctx: Context = { bed, work, settings, busyboxId };
    for (const name of settings.cases) {
      console.log(`podrx bench: ${name}`);
      const caseStarted = performance.now();
      try {
        const produced = await CASES[name](ctx);
        const list = Array.isArray(produced) ? produced : [produced];
        const seconds = (performance.now() - caseStarted) / 1000;
        for (const result of list) {
          results.push({ ...result, seconds: seconds / list.length });
          for (const verdict of result.verdicts) {
            console.log(
              `  ${result.id}. ${verdict.target}: ${verdict.figure} ${
                verdict.met ? "met" : "MISSED"
              }`,
            );
          }
        }
      } catch (error) {
        const message = error instanceof Error ? error.stack ?? error.message : String(error);
        console.error(`  ${name} FAILED: ${message}`);
        failures.push({ name, message });
      }
      console.log(`  (${fixed((performance.now() - caseStarted) / 1000, 0)} s)`);
    }
  } finally {
    await bed?.stop().catch((error) => console.error("Cannot stop the bench's services:", error));
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  results.sort((x, y) => order(x.id) - order(y.id));
  const report = renderReport(
    results,
    failures,
    {
      started,
      seconds: (performance.now() - startedAt) / 1000,
      loadStart,
      loadEnd: Deno.loadavg(),
    },
    machine,
    settings,
  );
  await Deno.mkdir(settings.out.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(settings.out, report);
  console.log(`podrx bench: wrote ${settings.out}`);
  return failures.length === 0 ? 0 : 1;
}

function order(id: string): number {
  if (id === "extra") return 100;
  if (id.startsWith("fleet")) return 200 + id.length;
  // "3b" follows 3.
  return Number.parseInt(id, 10) + (id.endsWith("b") ? 0.5 : 0);
}

if (import.meta.main) Deno.exit(await main());
