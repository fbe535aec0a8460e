import { defer, type MonoTypeOperatorFunction, type Observable, tap } from "rxjs";
import { formatBytes } from "../progress/format_bytes.ts";
import { type ProgressOutput, terminalColumns, writeAll } from "../progress/progress_renderer.ts";
import type { FleetHostState, FleetSnapshot } from "./fleet_progress.ts";
import { host } from "../runtime/runtime.ts";

/** Options for {@linkcode renderFleetProgress}. */
export interface RenderFleetProgressOptions {
  /**
   * Where to draw.
   * @default {standard error (`Deno.stderr`, Node's and Bun's `process.stderr`)}
   */
  output?: ProgressOutput;
  /**
   * Width of the lines in columns.
   * @default {the terminal's width, or 80}
   */
  columns?: number;
  /**
   * Least milliseconds between two redraws; a host's outcome is always drawn.
   * @default {100}
   */
  interval?: number;
}

const MARKS: Readonly<Record<FleetHostState["status"], string>> = {
  waiting: "·",
  running: "…",
  retrying: "↻",
  done: "✔",
  failed: "✘",
};

function hostLine(name: string, state: FleetHostState, width: number, columns: number): string {
  const parts = [`${MARKS[state.status]} ${name.padEnd(width)}`, state.status.padEnd(8)];
  if (state.bytesTotal > 0) {
    parts.push(`${formatBytes(state.bytesDone)}/${formatBytes(state.bytesTotal)}`);
  } else if (state.bytesDone > 0) parts.push(formatBytes(state.bytesDone));
  if (state.attempt > 1) parts.push(`try ${state.attempt}`);
  if (state.status === "failed" || state.status === "retrying") {
    parts.push(state.error?.message ?? "");
  } else if (state.lastStatus !== undefined && state.status === "running") {
    parts.push(state.lastStatus);
  }
  const line = parts.join("  ").replace(/\s+/g, " ").trimEnd();
  const room = Math.max(1, columns - 1);
  return line.length > room ? line.slice(0, room) : line;
}

function summaryLine(snapshot: FleetSnapshot): string {
  const bytes = snapshot.bytesTotal > 0
    ? `  ${formatBytes(snapshot.bytesDone)}/${formatBytes(snapshot.bytesTotal)}`
    : snapshot.bytesDone > 0
    ? `  ${formatBytes(snapshot.bytesDone)}`
    : "";
  return `${snapshot.done} done, ${snapshot.failed} failed, ${snapshot.running} running, ` +
    `${snapshot.waiting} waiting${bytes}`;
}

/**
 * Draws a {@linkcode fleetProgress} snapshot as one line per host plus a summary line, on
 * stderr, only when stderr is a terminal; anywhere else the snapshots pass through untouched.
 * The lines are redrawn in place; the last drawing stays on the screen when the stream ends,
 * so every host's outcome can be read afterwards.
 *
 * @returns An operator that emits the same snapshots it receives.
 *
 * @example Distributing with one line per host
 * ```ts check-only
 * import { Fleet, fleetProgress, renderFleetProgress } from "@podrx/podrx";
 * import { lastValueFrom } from "rxjs";
 *
 * await using fleet = new Fleet({ build: "unix:///run/podman/podman.sock", edge: "ssh://..." });
 * await lastValueFrom(fleet.images.distribute("localhost/app:2", { from: "build" }).pipe(
 *   fleetProgress({ hosts: fleet.names }),
 *   renderFleetProgress(),
 * ));
 * ```
 *
 * @example Recorded events on a fake terminal
 * ```ts
 * import { type FleetEvent, fleetProgress, renderFleetProgress } from "@podrx/podrx";
 * import { from, lastValueFrom } from "rxjs";
 * import assert from "node:assert/strict";
 *
 * let drawn = "";
 * const output = {
 *   isTerminal: () => true,
 *   writeSync: (bytes: Uint8Array) => (drawn += new TextDecoder().decode(bytes), bytes.length),
 * };
 * const events: FleetEvent<never, string>[] = [
 *   { type: "started", host: "edge-1", attempt: 1 },
 *   { type: "done", host: "edge-1", result: "ok" },
 * ];
 * await lastValueFrom(from(events).pipe(fleetProgress(), renderFleetProgress({ output })));
 * assert.match(drawn, /✔ edge-1 done/);
 * assert.match(drawn, /1 done, 0 failed/);
 * ```
 */
export function renderFleetProgress<S extends FleetSnapshot>(
  options: RenderFleetProgressOptions = {},
): MonoTypeOperatorFunction<S> {
  const interval = options.interval ?? 100;
  if (!Number.isFinite(interval) || interval < 0) {
    throw new RangeError(
      `Cannot render fleet progress: interval must be 0 or more, got ${interval}`,
    );
  }
  return (source: Observable<S>) =>
    defer(() => {
      const output = options.output ?? host.stderr();
      if (!output?.isTerminal()) return source;
      let drawnLines = 0;
      let lastDraw = Number.NEGATIVE_INFINITY;
      let pending: S | undefined;
      const draw = (snapshot: S): void => {
        const columns = options.columns ?? terminalColumns();
        const names = [...snapshot.hosts.keys()];
        const width = Math.min(24, Math.max(0, ...names.map((name) => name.length)));
        const lines = [
          ...names.map((name) => hostLine(name, snapshot.hosts.get(name)!, width, columns)),
          summaryLine(snapshot),
        ];
        // Back to the first line drawn last time, then each line cleared and written anew.
        const up = drawnLines > 0 ? `\x1b[${drawnLines}F` : "";
        writeAll(output, up + lines.map((line) => `\x1b[2K${line}\n`).join(""));
        drawnLines = lines.length;
        lastDraw = Date.now();
        pending = undefined;
      };
      return source.pipe(
        tap({
          next(snapshot) {
            const outcome = snapshot.event.type === "done" || snapshot.event.type === "failed";
            if (!outcome && Date.now() - lastDraw < interval) {
              pending = snapshot;
              return;
            }
            draw(snapshot);
          },
          finalize: () => {
            if (pending) draw(pending);
          },
        }),
      );
    });
}
