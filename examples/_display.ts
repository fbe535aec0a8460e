// deno-lint-ignore-file no-console -- the examples report on the terminal
/**
 * The examples' output. On a terminal, a live area at the bottom is redrawn in place by
 * `log-update` (spinners, one bar per layer, a task list) while lines that should stay (build
 * logs, results) scroll above it. Anywhere else (a pipe, a file, a CI log) the same calls
 * print plain lines, once per change, and draw nothing.
 *
 * @module
 */

import { createLogUpdate } from "log-update";
import process from "node:process";
import { defer, type MonoTypeOperatorFunction, type Observable, tap } from "rxjs";
import {
  type ArtifactAddEvent,
  type ArtifactPullEvent,
  type ArtifactPushEvent,
  type BuildEvent,
  formatBytes,
  type ProgressSnapshot,
  type PullEvent,
  type PushEvent,
} from "../mod.ts";

/**
 * A snapshot of a transfer, as `progress()` makes them: an image pull or push, or an
 * artifact add, pull or push (whose "layers" are its files).
 */
type TransferSnapshot = ProgressSnapshot<
  PullEvent | PushEvent | ArtifactAddEvent | ArtifactPullEvent | ArtifactPushEvent
>;

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const REDRAW_MS = 80;
const BAR_WIDTH = 24;

/** Where the examples write: a live area on a terminal, plain lines elsewhere. */
export class Screen {
  /** Whether stdout is a terminal, i.e. whether anything is drawn in place. */
  readonly interactive: boolean;
  #update: ReturnType<typeof createLogUpdate> | undefined;
  #frame: (() => string) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #tick = 0;

  /** @param interactive Draw in place; by default when stdout is a terminal. */
  constructor(interactive: boolean = Deno.stdout.isTerminal()) {
    this.interactive = interactive;
    // showCursor: hiding the cursor makes log-update register a signal-exit handler, which
    // would kill the process on Ctrl-C before the examples have cancelled their request.
    if (interactive) this.#update = createLogUpdate(process.stdout, { showCursor: true });
  }

  /** A spinner glyph that turns on every redraw. */
  get spinner(): string {
    return SPINNER[this.#tick % SPINNER.length]!;
  }

  /** The redraw counter, for animations. */
  get tick(): number {
    return this.#tick;
  }

  /** Prints a line that stays, above the live area. */
  print(text: string): void {
    if (!this.#update) {
      console.log(text);
      return;
    }
    this.#update.persist(text);
    if (this.#frame) this.#update(this.#frame());
  }

  /** Prints a line to stderr (above the live area on a terminal). */
  error(text: string): void {
    this.#update?.clear();
    console.error(text);
    if (this.#update && this.#frame) this.#update(this.#frame());
  }

  /**
   * Shows `frame()` in the live area and redraws it every 80 ms until {@linkcode settle}.
   * Does nothing when stdout is not a terminal.
   */
  show(frame: () => string): void {
    if (!this.#update) return;
    this.#frame = frame;
    this.#update(frame());
    this.#timer ??= setInterval(() => {
      this.#tick++;
      if (this.#frame) this.#update?.(this.#frame());
    }, REDRAW_MS);
  }

  /** Clears the live area and stops redrawing. Safe to call at any time. */
  settle(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#frame = undefined;
    this.#update?.clear();
  }
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)}s`;
}

/** `████████░░░░` for a known share, a sliding block for an unknown one. */
function bar(fraction: number | undefined, tick: number, width = BAR_WIDTH): string {
  if (fraction === undefined) {
    const block = 6;
    const start = tick % (width + block) - block;
    return Array.from(
      { length: width },
      (_, index) => (index >= start && index < start + block ? "▓" : "░"),
    ).join("");
  }
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return "█".repeat(filled) + "░".repeat(width - filled);
}

function percent(fraction: number): string {
  return `${String(Math.floor(fraction * 100)).padStart(3)}%`;
}

/** One row of a transfer: a layer (Docker-style progress) or a blob (libpod status lines). */
interface Row {
  label: string;
  status: string;
  current: number;
  total: number | undefined;
  done: boolean;
}

// c/image's non-terminal lines: `Copying blob sha256:<hex>`, later maybe `... done` or
// `... skipped: already exists`. Podman before 4.8 reports a pull only this way.
const COPYING = /^Copying (blob|config) (?:sha256:)?([0-9a-f]{12,64})(?:\s+(.*))?$/;
const FINISHED_BLOBS = /^(Copying config|Writing manifest|Storing signatures)/;

/** The layers of one pull or push, kept from the {@linkcode ProgressSnapshot}s. */
class TransferRows {
  readonly rows = new Map<string, Row>();

  update(snapshot: TransferSnapshot): Row[] {
    const changed: Row[] = [];
    const set = (key: string, next: Row): void => {
      const previous = this.rows.get(key);
      if (!previous || previous.status !== next.status || previous.done !== next.done) {
        changed.push(next);
      }
      this.rows.set(key, next);
    };
    // Docker-style layer progress (Podman 4.8 and later pull with byte counts).
    for (const [id, layer] of snapshot.layers) {
      set(id, { label: id, ...layer });
    }
    const event = snapshot.event;
    if (event.type === "status") {
      const copying = COPYING.exec(event.message);
      if (copying) {
        const [, kind, hex, rest] = copying;
        const key = `${kind}:${hex!.slice(0, 12)}`;
        const done = rest !== undefined && /^(done|skipped)/.test(rest);
        set(key, {
          label: kind === "config" ? `config ${hex!.slice(0, 12)}` : hex!.slice(0, 12),
          status: rest ?? "copying",
          current: 0,
          total: undefined,
          done,
        });
      }
      // c/image copies the config after every blob, and writes the manifest after both.
      if (FINISHED_BLOBS.test(event.message)) {
        const everything = !event.message.startsWith("Copying config");
        this.#finish((key) => everything || key.startsWith("blob:"), set);
      }
    }
    if (snapshot.done) this.#finish(() => true, set);
    return changed;
  }

  #finish(which: (key: string) => boolean, set: (key: string, row: Row) => void): void {
    for (const [key, row] of this.rows) {
      if (!row.done && which(key)) set(key, { ...row, status: "done", done: true });
    }
  }
}

function rowLine(row: Row, tick: number): string {
  const fraction = row.done ? 1 : row.total ? row.current / row.total : undefined;
  const size = row.total
    ? `  ${formatBytes(row.done ? row.total : row.current)}/${formatBytes(row.total)}`
    : "";
  return `  ${row.label.padEnd(19)} ${bar(fraction, tick)}` +
    `${fraction === undefined ? "" : ` ${percent(fraction)}`}${size}  ${row.status}`;
}

/** Options for {@linkcode showTransfer}. */
export interface TransferViewOptions {
  /** One bar per layer (`true`), or one aggregate bar (`false`). */
  perLayer: boolean;
  /** What the rows are called in the counts: an image's `layers` (the default), an artifact's `files`. */
  unit?: "layers" | "files";
}

function transferSummary(
  verb: string,
  snapshot: TransferSnapshot | undefined,
): string {
  const event = snapshot?.event;
  if (event?.type === "pulled") {
    // An image pull ends with the image, an artifact pull with its name and digest.
    return "image" in event
      ? `pulled ${event.image.tags[0] ?? ""} (${event.image.shortId})`
      : `pulled ${event.name} (${event.digest})`;
  }
  if (event?.type === "pushed") {
    return `pushed ${event.destination}${event.digest ? ` (${event.digest})` : ""}`;
  }
  if (event?.type === "added") {
    return `added ${event.name} (${event.digest}, ${event.artifact.files.length} files, ` +
      `${formatBytes(event.artifact.size)})`;
  }
  return `${verb} ended`;
}

/**
 * Shows a pull or push (or an artifact's add) as it goes: on a terminal a header with the
 * totals and, with `perLayer`, one bar per layer or file (a sliding bar where the server gives
 * no sizes, as Podman before 4.8 does); elsewhere one line per status line and per layer
 * change. Prints a summary line when it completes. Pass-through: the snapshots go on unchanged.
 */
export function showTransfer<S extends TransferSnapshot>(
  screen: Screen,
  verb: "pull" | "push" | "add",
  name: string,
  options: TransferViewOptions,
): MonoTypeOperatorFunction<S> {
  const unit = options.unit ?? "layers";
  // defer: each subscription gets its own rows and clock (a retry starts afresh).
  return (source: Observable<S>) =>
    defer(() => {
      const rows = new TransferRows();
      let latest: TransferSnapshot | undefined;
      let started = 0;
      let lastPlainPercent = -1;

      function header(): string {
        const parts = [`${screen.spinner} ${verb} ${name}`];
        if (latest && latest.layersSeen > 0) {
          parts.push(`${latest.layersDone}/${latest.layersSeen} ${unit}`);
        } else if (rows.rows.size > 0) {
          const done = [...rows.rows.values()].filter((row) => row.done).length;
          parts.push(`${done}/${rows.rows.size} blobs`);
        }
        if (latest && latest.bytesTotal > 0) {
          parts.push(`${formatBytes(latest.bytesDone)}/${formatBytes(latest.bytesTotal)}`);
        }
        parts.push(seconds(started));
        return parts.join("  ");
      }

      function frame(): string {
        const lines = [header()];
        if (options.perLayer) {
          for (const row of rows.rows.values()) lines.push(rowLine(row, screen.tick));
        } else {
          const fraction = latest?.fraction;
          lines[0] = `${header()}\n  ${bar(fraction, screen.tick, 40)}${
            fraction === undefined ? "" : ` ${percent(fraction)}`
          }`;
        }
        if (rows.rows.size === 0 && (latest?.layersSeen ?? 0) === 0) {
          lines.push(`  ${latest?.lastStatus ?? "waiting for the server"}`);
        } else if (latest?.lastStatus && !COPYING.test(latest.lastStatus)) {
          lines.push(`  ${latest.lastStatus}`);
        }
        return lines.join("\n");
      }

      function plain(snapshot: TransferSnapshot, changed: Row[]): void {
        const event = snapshot.event;
        if (event.type === "status") screen.print(`  ${verb}: ${event.message}`);
        if (!options.perLayer) {
          const step = snapshot.fraction === undefined ? -1 : Math.floor(snapshot.fraction * 10);
          if (step > lastPlainPercent) {
            lastPlainPercent = step;
            screen.print(
              `  ${verb}: ${step * 10}% (${snapshot.layersDone}/${snapshot.layersSeen} ${unit})`,
            );
          }
          return;
        }
        for (const row of changed) {
          if (event.type === "status" && COPYING.test(event.message) && !row.done) continue;
          screen.print(`  ${verb}: ${row.label} ${row.status}`);
        }
      }

      return source.pipe(
        tap({
          subscribe() {
            started = performance.now();
            if (!screen.interactive) screen.print(`${verb} ${name}`);
            screen.show(frame);
          },
          next(snapshot) {
            latest = snapshot;
            const changed = rows.update(snapshot);
            if (!screen.interactive) plain(snapshot, changed);
          },
          complete() {
            screen.settle();
            screen.print(`✔ ${transferSummary(verb, latest)} in ${seconds(started)}`);
            // The final bars stay on a terminal; elsewhere each row's changes were printed.
            if (screen.interactive && options.perLayer) {
              for (const row of rows.rows.values()) screen.print(rowLine(row, screen.tick));
            }
          },
          finalize: () => screen.settle(),
        }),
      );
    });
}

/**
 * Shows a build: each log line as it arrives (both modes), and on a terminal a live line
 * with the current step. Prints a summary when it completes. Pass-through.
 */
export function showBuild(screen: Screen, tag: string): MonoTypeOperatorFunction<BuildEvent> {
  return (source: Observable<BuildEvent>) =>
    defer(() => {
      let step = "";
      let started = 0;
      return source.pipe(
        tap({
          subscribe() {
            started = performance.now();
            screen.print(`build ${tag}`);
            screen.show(() => `${screen.spinner} build ${tag}  ${step}  ${seconds(started)}`);
          },
          next(event) {
            if (event.type !== "log") return;
            const line = event.line.replace(/\n$/, "");
            const match = /^STEP (\d+\/\d+):/.exec(line);
            if (match) step = `step ${match[1]}`;
            for (const part of line.split("\n")) screen.print(`  │ ${part}`);
          },
          complete() {
            screen.settle();
            screen.print(`✔ built ${tag} in ${seconds(started)}`);
          },
          finalize: () => screen.settle(),
        }),
      );
    });
}

/**
 * Shows any other step: a spinner with `detail(latest value)` on a terminal, and a summary
 * line `✔ done(latest value)` when it completes. Pass-through.
 */
export function showStep<T>(
  screen: Screen,
  label: string,
  done: (last: T | undefined) => string,
  detail: (last: T | undefined) => string = () => "",
): MonoTypeOperatorFunction<T> {
  return (source: Observable<T>) =>
    defer(() => {
      let last: T | undefined;
      let started = 0;
      return source.pipe(
        tap({
          subscribe() {
            started = performance.now();
            if (!screen.interactive) screen.print(label);
            screen.show(() => `${screen.spinner} ${label}  ${detail(last)}  ${seconds(started)}`);
          },
          next(value) {
            last = value;
          },
          complete() {
            screen.settle();
            screen.print(`✔ ${done(last)} in ${seconds(started)}`);
          },
          finalize: () => screen.settle(),
        }),
      );
    });
}

/** The state of one task in a {@linkcode TaskList}. */
export type TaskState = "waiting" | "running" | "retrying" | "done" | "failed";

const TASK_MARKS: Record<TaskState, string> = {
  waiting: "·",
  running: "",
  retrying: "↻",
  done: "✔",
  failed: "✘",
};

/**
 * Named tasks that run side by side (mirror's images): on a terminal one live row each,
 * elsewhere a line per change.
 */
export class TaskList {
  readonly #screen: Screen;
  readonly #tasks = new Map<string, { state: TaskState; note: string }>();

  /** Starts showing `names`, all waiting. */
  constructor(screen: Screen, names: readonly string[]) {
    this.#screen = screen;
    for (const name of names) this.#tasks.set(name, { state: "waiting", note: "" });
    screen.show(() => this.#frame());
  }

  /** Moves `name` to `state` with a note (what it does now, or why it failed). */
  set(name: string, state: TaskState, note = ""): void {
    this.#tasks.set(name, { state, note });
    if (!this.#screen.interactive) {
      this.#screen.print(`${TASK_MARKS[state] || "→"} ${name}  ${note}`);
    }
  }

  /** Stops the live rows and prints the final state of each task. */
  close(): void {
    this.#screen.settle();
    if (this.#screen.interactive) {
      for (const [name, { state, note }] of this.#tasks) {
        this.#screen.print(`${TASK_MARKS[state] || "→"} ${name}  ${note}`);
      }
    }
  }

  #frame(): string {
    const width = Math.max(...[...this.#tasks.keys()].map((name) => name.length));
    return [...this.#tasks].map(([name, { state, note }]) =>
      `${TASK_MARKS[state] || this.#screen.spinner} ${name.padEnd(width)}  ${note}`
    ).join("\n");
  }
}
