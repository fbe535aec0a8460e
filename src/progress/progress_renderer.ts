import { defer, type MonoTypeOperatorFunction, type Observable, tap } from "rxjs";
import type { ProgressSnapshot } from "./progress.ts";
import { formatBytes } from "./format_bytes.ts";
import { host } from "../runtime/runtime.ts";

/** Where {@linkcode renderProgress} draws: a terminal-like byte sink. `Deno.stderr` fits; the default is
 * the runtime's standard error. */
export interface ProgressOutput {
  /** Whether the sink is a terminal; nothing is drawn when it is not. */
  isTerminal(): boolean;
  /** Writes bytes, returning how many were written. */
  writeSync(bytes: Uint8Array): number;
}

/** Options for {@linkcode renderProgress}. */
export interface RenderProgressOptions {
  /** Text before the bar, e.g. the image name. */
  label?: string;
  /**
   * Where to draw.
   * @default {standard error (`Deno.stderr`, Node's and Bun's `process.stderr`)}
   */
  output?: ProgressOutput;
  /**
   * Width of the line in columns.
   * @default {the terminal's width, or 80}
   */
  columns?: number;
  /**
   * Least milliseconds between two redraws; the final snapshot is always drawn.
   * @default {100}
   */
  interval?: number;
}

const CLEAR_LINE = "\r\x1b[K";
const BAR_WIDTH = 24;
const encoder = new TextEncoder();

/** The terminal's width in columns, or 80 when it cannot be read. */
export function terminalColumns(): number {
  return host.terminalColumns() || 80;
}

/** One line for a snapshot: `label [=====>    ]  42%  12.6 MB/30.0 MB  2/5 layers`. */
function progressLine(snapshot: ProgressSnapshot, label: string, columns: number): string {
  const parts: string[] = label ? [label] : [];
  const { fraction } = snapshot;
  if (fraction !== undefined) {
    const filled = Math.round(fraction * BAR_WIDTH);
    const head = filled > 0 && filled < BAR_WIDTH ? ">" : "";
    const bar = "=".repeat(Math.max(0, filled - head.length)) + head;
    parts.push(`[${bar.padEnd(BAR_WIDTH)}]`, `${String(Math.floor(fraction * 100)).padStart(3)}%`);
  }
  if (snapshot.bytesTotal > 0) {
    parts.push(`${formatBytes(snapshot.bytesDone)}/${formatBytes(snapshot.bytesTotal)}`);
  }
  if (snapshot.layersSeen > 0) {
    parts.push(`${snapshot.layersDone}/${snapshot.layersSeen} layers`);
  } else if (snapshot.lastStatus !== undefined) {
    parts.push(snapshot.lastStatus);
  }
  const line = parts.join("  ");
  // One column short of the width, so the cursor never wraps onto a new line.
  const room = Math.max(1, columns - 1);
  return line.length > room ? line.slice(0, room) : line;
}

/** Writes all of `text`, however many calls the sink needs. */
export function writeAll(output: ProgressOutput, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(output.writeSync(bytes));
}

/**
 * Draws one aggregate progress line for {@linkcode progress} snapshots, on stderr, only when
 * stderr is a terminal; anywhere else it passes the snapshots through untouched. The line is
 * redrawn in place (`\r`) and cleared when the stream completes, errors, or is unsubscribed.
 * This is podman-py's `progress_bar=True`, as an operator. The bar and the bytes show where the
 * events carry sizes (pulls from Podman 4.8 and later); otherwise the line shows the last status.
 *
 * @typeParam S The snapshots, with the event type they follow (`progress()` over pull
 * events gives snapshots whose `event` is a pull event).
 * @returns An operator that emits the same snapshots it receives.
 *
 * @example Pulling with a progress line
 * ```ts check-only
 * import { PodmanClient, progress, renderProgress } from "@podrx/podrx";
 * import { lastValueFrom } from "rxjs";
 *
 * await using podman = new PodmanClient();
 * const done = await lastValueFrom(
 *   podman.images.pull("quay.io/podman/hello").pipe(progress(), renderProgress({ label: "hello" })),
 * );
 * if (done.event.type === "pulled") console.log(done.event.image.id);
 * ```
 *
 * @example Recorded events, no server: the snapshots pass through unchanged
 * ```ts
 * import { progress, renderProgress } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 * import { from, lastValueFrom } from "rxjs";
 *
 * const events = from([
 *   { type: "progress", id: "a1", status: "Downloading", current: 10, total: 40 },
 *   { type: "progress", id: "a1", status: "Download complete" },
 * ] as const);
 * const last = await lastValueFrom(events.pipe(progress(), renderProgress({ label: "demo" })));
 * assert.equal(last.layersDone, 1);
 * assert.equal(last.event.status, "Download complete");
 * ```
 */
export function renderProgress<S extends ProgressSnapshot>(
  options: RenderProgressOptions = {},
): MonoTypeOperatorFunction<S> {
  const interval = options.interval ?? 100;
  if (!Number.isFinite(interval) || interval < 0) {
    throw new RangeError(`Cannot render progress: interval must be 0 or more, got ${interval}`);
  }
  return (source: Observable<S>) =>
    defer(() => {
      const output = options.output ?? host.stderr();
      if (!output?.isTerminal()) return source;
      const label = options.label ?? "";
      let drawn = false;
      let lastDraw = Number.NEGATIVE_INFINITY;
      const clear = (): void => {
        if (drawn) writeAll(output, CLEAR_LINE);
        drawn = false;
      };
      return source.pipe(
        tap({
          next(snapshot) {
            const now = Date.now();
            if (!snapshot.done && now - lastDraw < interval) return;
            lastDraw = now;
            const columns = options.columns ?? terminalColumns();
            writeAll(output, CLEAR_LINE + progressLine(snapshot, label, columns));
            drawn = true;
          },
          finalize: clear,
        }),
      );
    });
}
