// deno-lint-ignore-file no-console -- it reports to the terminal
/**
 * Cases 1 and 8 for the code of several checkouts, side by side on one machine at one time:
 * whether a change made podrx slower than an earlier tree, which the spread between separate
 * runs of `deno task bench` (±5 % per call) cannot tell.
 *
 * ```sh
 * git worktree add --detach /tmp/before <commit>
 * deno run -A bench/side_by_side.ts /tmp/before .     # checkouts to compare, first the baseline
 * ```
 *
 * Each checkout runs its own `bench/cases/calls.ts` and `bench/cases/events.ts` (their
 * parameters have not changed since the first bench), in turn, round after round, so the
 * machine's noise falls on all alike:
 * - per call, against the private Podman service (podrx / raw fetch, taken in one process as in
 *   case 1), and against an instant fake service in a process of its own, where the answer
 *   costs nothing and the figure is podrx's own time per call over raw fetch's, in µs;
 * - events per second of case 8's pull-progress stream (this file's progress server);
 * - case 4's save of an image of `SAVE_MIB` to a file: each checkout's `bench/cases/save.ts`
 *   (`images.get` then `saveToFile`) against raw Deno (`bench/cases/save_raw.ts`: fetch, the
 *   body piped to the file), time in process and peak RSS, the file removed and `sync` run
 *   after each (untimed).
 *
 * Env: `ROUNDS` (default 7), `OPS` (default `get,exists,history`), `SAVE_MIB` (default 256; 0
 * leaves the save out).
 *
 * @module
 */

import { makeBigImage, seedBusybox, startBed } from "./_bed.ts";
import {
  caseCommand,
  type Measured,
  measureProcess,
  readResult,
  startServer,
  summarize,
} from "./_measure.ts";

const checkouts = Deno.args.length > 0 ? Deno.args : ["."];
const rounds = Number(Deno.env.get("ROUNDS") ?? 7);
const ops = (Deno.env.get("OPS") ?? "get,exists,history").split(",");
const saveMiB = Number(Deno.env.get("SAVE_MIB") ?? 256);
const IMAGE = "localhost/bench/busybox:latest";

/** Runs a case script of `checkout` (its own copy, not this one's) and returns its figures. */
async function runCase(
  checkout: string,
  script: string,
  params: unknown,
): Promise<Record<string, number>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${checkout}/bench/cases/${script}`, JSON.stringify(params)],
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const { result } = readResult(new TextDecoder().decode(output.stdout));
  if (!output.success || Object.keys(result).length === 0) {
    throw new Error(`${checkout}: ${script} failed`);
  }
  return result as Record<string, number>;
}

/** Runs a case script of `checkout` under `/usr/bin/time`, for its peak RSS too. */
function measureCase(checkout: string, script: string, params: unknown): Promise<Measured> {
  return measureProcess(
    [
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      `${checkout}/bench/cases/${script}`,
      JSON.stringify(
        params,
      ),
    ],
    { env: { DENO_NO_UPDATE_CHECK: "1" }, cwd: checkout, timeFile: `${work}/time.txt` },
  );
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(" | ")} |`;
}

const spread = (values: number[], digits: number): string => {
  const { median, min, max } = summarize(values);
  return `${median.toFixed(digits)} (${min.toFixed(digits)}–${max.toFixed(digits)})`;
};

const work = await Deno.makeTempDir({ prefix: "podrx-side-" });
const bed = await startBed(work);
const lines: string[] = [];
try {
  await seedBusybox(bed, work, IMAGE);
  // The fake answers with the real service's own bodies, at once.
  const bodies: Record<string, string> = {};
  for (const path of ["json", "history"]) {
    bodies[path] = await (await bed.api("GET", `/images/${encodeURIComponent(IMAGE)}/${path}`))
      .text();
  }
  const fakeSocket = `${work}/fake.sock`;
  const fake = await startServer([
    Deno.execPath(),
    "eval",
    `const bodies = ${JSON.stringify(bodies)};
     const headers = { "Libpod-API-Version": ${
      JSON.stringify(bed.apiVersion)
    }, "Content-Type": "application/json" };
     Deno.serve({ path: ${
      JSON.stringify(fakeSocket)
    }, onListen() { console.log("ready"); } }, (request) => {
       const path = new URL(request.url).pathname;
       if (path.endsWith("/exists")) return new Response(null, { status: 204, headers });
       if (path.endsWith("/history")) return new Response(bodies.history, { headers });
       if (path.endsWith("/json")) return new Response(bodies.json, { headers });
       return new Response("OK", { headers });
     });`,
  ]);
  const progress = await startServer(
    caseCommand("progress_server.ts", { totalBytes: 200 * 1024 * 1024 }),
  );
  const progressSocket = JSON.parse(progress.readyLine.slice("ready ".length))
    .socketPath as string;
  const saved = saveMiB > 0
    ? await makeBigImage(
      bed,
      work,
      "localhost/bench/big:save",
      saveMiB * 1024 * 1024,
      `${work}/big.tar`,
    )
    : undefined;
  await Deno.remove(`${work}/big.tar`).catch(() => {});
  const saveMs: Record<string, number[]> = {};
  const saveRss: Record<string, number[]> = {};
  const ratio: Record<string, number[]> = {};
  const ownUs: Record<string, number[]> = {};
  const events: Record<string, number[]> = {};
  try {
    for (let round = 0; round < rounds; round++) {
      for (const op of ops) {
        for (const checkout of checkouts) {
          const common = { op, image: IMAGE, calls: 300, warmup: 20, expectList: 0 };
          const real = await runCase(checkout, "calls.ts", {
            ...common,
            socketPath: bed.socketPath,
            apiVersion: bed.apiVersion,
          });
          (ratio[`${op} ${checkout}`] ??= []).push(real.podrxPerCallUs! / real.rawPerCallUs!);
          const instant = await runCase(checkout, "calls.ts", {
            ...common,
            socketPath: fakeSocket,
            apiVersion: bed.apiVersion,
          });
          (ownUs[`${op} ${checkout}`] ??= []).push(
            instant.podrxPerCallUs! - instant.rawPerCallUs!,
          );
        }
      }
      for (const side of [...checkouts, "raw"]) {
        const result = await runCase(side === "raw" ? checkouts[0]! : side, "events.ts", {
          side: side === "raw" ? "raw" : "podrx",
          socketPath: progressSocket,
        });
        (events[side] ??= []).push(result.eventsPerSecond! / 1e6);
      }
      if (saved === undefined) continue;
      const out = `${work}/saved.tar`;
      for (const side of [...checkouts, "raw"]) {
        const measured = side === "raw"
          ? await measureCase(checkouts[0]!, "save_raw.ts", {
            socketPath: bed.socketPath,
            apiVersion: bed.apiVersion,
            image: saved,
            out,
          })
          : await measureCase(side, "save.ts", { socketPath: bed.socketPath, image: saved, out });
        (saveMs[side] ??= []).push(measured.result.opMs as number);
        (saveRss[side] ??= []).push(measured.peakRssMiB);
        await Deno.remove(out);
        await new Deno.Command("sync").output();
      }
    }
  } finally {
    await progress.stop();
    await fake.stop();
  }
  lines.push(
    `${rounds} rounds; each round runs every checkout in turn. Median (min–max) over the rounds.`,
    "",
    row(["case", ...checkouts]),
    row(["---", ...checkouts.map(() => "---")]),
  );
  for (const op of ops) {
    lines.push(row([
      `${op}: podrx / raw, Podman ${bed.podmanVersion}`,
      ...checkouts.map((checkout) => spread(ratio[`${op} ${checkout}`]!, 3)),
    ]));
    lines.push(row([
      `${op}: podrx − raw per call, instant fake (µs)`,
      ...checkouts.map((checkout) => spread(ownUs[`${op} ${checkout}`]!, 0)),
    ]));
  }
  const rawRate = summarize(events.raw!).median;
  lines.push(row([
    `events: M/s (raw ${rawRate.toFixed(2)})`,
    ...checkouts.map((checkout) => spread(events[checkout]!, 2)),
  ]));
  lines.push(row([
    "events: raw rate / podrx rate",
    ...checkouts.map((checkout) => (rawRate / summarize(events[checkout]!).median).toFixed(3)),
  ]));
  if (saveMs.raw) {
    const rawSave = summarize(saveMs.raw).median;
    lines.push(row([
      `save ${saveMiB} MiB to a file: ms in process (raw Deno ${rawSave.toFixed(0)})`,
      ...checkouts.map((checkout) => spread(saveMs[checkout]!, 0)),
    ]));
    lines.push(row([
      "save: podrx / raw Deno",
      ...checkouts.map((checkout) => (summarize(saveMs[checkout]!).median / rawSave).toFixed(3)),
    ]));
    lines.push(row([
      `save: peak RSS, MiB (raw Deno ${summarize(saveRss.raw!).median.toFixed(1)})`,
      ...checkouts.map((checkout) => spread(saveRss[checkout]!, 1)),
    ]));
  }
} finally {
  await bed.stop();
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
console.log(lines.join("\n"));
