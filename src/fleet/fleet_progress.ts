import { defer, map, type Observable, type OperatorFunction, Subject } from "rxjs";
import { progress, type ProgressEvent, type ProgressSnapshot } from "../progress/progress.ts";
import type { FleetEvent } from "./fleet_event.ts";

/** Where one host stands; see {@linkcode FleetSnapshot}. */
export interface FleetHostState {
  /** `waiting` (not started yet), `running`, `retrying`, `done` or `failed`. */
  readonly status: "waiting" | "running" | "retrying" | "done" | "failed";
  /** The try under way (1 for the first); 0 while waiting. */
  readonly attempt: number;
  /** Bytes done on this host, where its events tell them (layer progress, `sent`). */
  readonly bytesDone: number;
  /** Bytes expected on this host, where known (layer sizes); 0 when unknown. */
  readonly bytesTotal: number;
  /** The host's last status line, when its events have them. */
  readonly lastStatus?: string;
  /** Why it failed (or why its last try failed, while `retrying`). */
  readonly error?: Error;
}

/** The state of a whole fleet operation after one event; see {@linkcode fleetProgress}. */
export interface FleetSnapshot<E = unknown, R = unknown> {
  /** Every host seen so far (and every host named in the options), by name, in order. */
  readonly hosts: ReadonlyMap<string, FleetHostState>;
  /** Hosts done. */
  readonly done: number;
  /** Hosts failed. */
  readonly failed: number;
  /** Hosts running or retrying. */
  readonly running: number;
  /** Hosts not started yet. */
  readonly waiting: number;
  /** Bytes done over every host. */
  readonly bytesDone: number;
  /** Bytes expected over the hosts that tell it. */
  readonly bytesTotal: number;
  /** The event this snapshot follows. */
  readonly event: FleetEvent<E, R>;
}

/** Options for {@linkcode fleetProgress}. */
export interface FleetProgressOptions {
  /**
   * Every host's name, so that hosts not started yet count as `waiting` (`fleet.names`).
   * @default {[]} hosts appear as they start
   */
  hosts?: readonly string[];
}

const EMPTY: FleetHostState = { status: "waiting", attempt: 0, bytesDone: 0, bytesTotal: 0 };

/** Per host: a pull or push progress fold, fed the host's events one by one. */
interface LayerFold {
  input: Subject<ProgressEvent>;
  latest: ProgressSnapshot | undefined;
}

// Images' and artifacts' pulls and pushes, and artifacts' `add` (`added`): what `progress()`
// folds, whatever else the final event carries (`image`, `artifact`).
function isProgressEvent(event: unknown): event is ProgressEvent {
  const type = (event as { type?: unknown } | null)?.type;
  return type === "progress" || type === "status" || type === "pulled" || type === "pushed" ||
    type === "added";
}

function sentBytes(event: unknown): number | undefined {
  const value = event as { type?: unknown; bytes?: unknown } | null;
  return (value?.type === "sent" || value?.type === "saved") && typeof value.bytes === "number"
    ? value.bytes
    : undefined;
}

/**
 * Folds a fleet operation's events into one snapshot per event: how many hosts are done,
 * failed, running and waiting, each host's state, and bytes where the events tell them (the
 * layer progress of pulls and pushes, the files of artifact pulls, pushes and adds, the
 * `sent` bytes of a distribution).
 *
 * Each subscription keeps its own tally. Errors and completion pass through.
 *
 * @typeParam E The events of one host's operation.
 * @typeParam R A host's result.
 * @param options The hosts' names, to count those not started.
 * @returns An operator from fleet events to snapshots.
 *
 * @example Counting outcomes
 * ```ts
 * import { fleetProgress, type FleetEvent } from "@podrx/podrx";
 * import { from, lastValueFrom } from "rxjs";
 * import assert from "node:assert/strict";
 *
 * const events: FleetEvent<{ type: "sent"; bytes: number }, string>[] = [
 *   { type: "started", host: "a", attempt: 1 },
 *   { type: "event", host: "a", event: { type: "sent", bytes: 512 } },
 *   { type: "done", host: "a", result: "ok" },
 * ];
 * const last = await lastValueFrom(from(events).pipe(fleetProgress({ hosts: ["a", "b"] })));
 * assert.equal(last.done, 1);
 * assert.equal(last.waiting, 1);
 * assert.equal(last.hosts.get("a")?.bytesDone, 512);
 * ```
 */
export function fleetProgress<E, R>(
  options: FleetProgressOptions = {},
): OperatorFunction<FleetEvent<E, R>, FleetSnapshot<E, R>> {
  return (source: Observable<FleetEvent<E, R>>) =>
    defer(() => {
      const hosts = new Map<string, FleetHostState>(
        (options.hosts ?? []).map((name) => [name, EMPTY]),
      );
      const folds = new Map<string, LayerFold>();
      const foldOf = (host: string): LayerFold => {
        let fold = folds.get(host);
        if (!fold) {
          const made: LayerFold = { input: new Subject(), latest: undefined };
          made.input.pipe(progress()).subscribe((snapshot) => (made.latest = snapshot));
          folds.set(host, made);
          fold = made;
        }
        return fold;
      };
      const apply = (event: FleetEvent<E, R>): void => {
        const state = hosts.get(event.host) ?? EMPTY;
        switch (event.type) {
          case "started":
            // A retry starts its layers afresh.
            folds.get(event.host)?.input.complete();
            folds.delete(event.host);
            hosts.set(event.host, { ...EMPTY, status: "running", attempt: event.attempt });
            return;
          case "retry":
            hosts.set(event.host, { ...state, status: "retrying", error: event.error });
            return;
          case "done":
            hosts.set(event.host, { ...state, status: "done" });
            return;
          case "failed":
            hosts.set(event.host, { ...state, status: "failed", error: event.error });
            return;
          case "event": {
            const bytes = sentBytes(event.event);
            if (bytes !== undefined) {
              hosts.set(event.host, { ...state, bytesDone: bytes });
              return;
            }
            if (!isProgressEvent(event.event)) return;
            const fold = foldOf(event.host);
            fold.input.next(event.event);
            const latest = fold.latest;
            if (!latest) return;
            const next: FleetHostState = {
              ...state,
              bytesDone: latest.bytesDone,
              bytesTotal: latest.bytesTotal,
            };
            hosts.set(
              event.host,
              latest.lastStatus === undefined ? next : { ...next, lastStatus: latest.lastStatus },
            );
          }
        }
      };
      return source.pipe(map((event): FleetSnapshot<E, R> => {
        apply(event);
        let done = 0, failed = 0, running = 0, waiting = 0, bytesDone = 0, bytesTotal = 0;
        for (const state of hosts.values()) {
          if (state.status === "done") done++;
          else if (state.status === "failed") failed++;
          else if (state.status === "waiting") waiting++;
          else running++;
          bytesDone += state.bytesDone;
          bytesTotal += state.bytesTotal;
        }
        return {
          hosts: new Map(hosts),
          done,
          failed,
          running,
          waiting,
          bytesDone,
          bytesTotal,
          event,
        };
      }));
    });
}
