// deno-lint-ignore-file no-console -- an example reports on the terminal
/**
 * Removes dangling images (no name, no container) created more than a duration ago, and
 * prints the space reclaimed. The duration is Go's syntax, as Podman's `until` filter takes
 * it: `24h`, `90m`, `1h30m`, `10s`.
 *
 * ```sh
 * deno run -A examples/cleanup.ts --url unix:///run/podman/podman.sock 24h
 * ```
 *
 * Flags: `--url URL` (else `CONTAINER_HOST` or Podman's default connection) or `--spawn`;
 * `--all` also removes named images that no container uses (`podman image prune --all`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { last, tap } from "rxjs";
import type { PruneReport } from "../mod.ts";
import { connect, CONNECTION_OPTIONS, finish, runUntilDone, usage } from "./_cli.ts";
import { formatBytes } from "../mod.ts";
import { Screen, showStep } from "./_display.ts";

const USAGE = `Usage: deno run -A examples/cleanup.ts [--url URL | --spawn] [--all] [DURATION]
  DURATION  how old a dangling image must be to go, e.g. 24h, 90m, 1h30m (default 24h)`;

// Go's time.ParseDuration units; Podman parses `until` with it.
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/**
 * Whether `text` is a duration Podman's `until` filter accepts: Go's syntax, positive.
 *
 * @example
 * ```ts
 * console.assert(isDuration("1h30m") && !isDuration("1 day"));
 * ```
 */
export function isDuration(text: string): boolean {
  return DURATION.test(text);
}

/** The report as lines: each image removed, then the total. */
export function describeReport(report: PruneReport): string[] {
  const count = report.imagesDeleted.length;
  return [
    ...report.imagesDeleted.map((id) => `  removed ${id}`),
    `Reclaimed ${report.spaceReclaimed} bytes (${formatBytes(report.spaceReclaimed)}) ` +
    `from ${count} image${count === 1 ? "" : "s"}`,
  ];
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { ...CONNECTION_OPTIONS, all: { type: "boolean", default: false } },
  });
  if (values.help) usage(USAGE);
  if (positionals.length > 1) usage(USAGE, "Give at most one duration");
  const until = positionals[0] ?? "24h";
  if (!isDuration(until)) usage(USAGE, `"${until}" is not a duration like 24h, 90m or 1h30m`);

  const screen = new Screen();
  const client = await connect(values);
  const what = values.all ? "unused images" : "dangling images";
  const prune = client.images.prune({ all: values.all, filters: { until } }).pipe(
    showStep(screen, `pruning ${what} older than ${until}`, () => `pruned ${what}`),
    // Passes the report on once the step has printed its summary.
    last(),
    tap((report) => {
      for (const line of describeReport(report)) console.log(line);
    }),
  );
  await finish(client, await runUntilDone(prune), screen);
}
