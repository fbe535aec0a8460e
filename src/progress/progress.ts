import { defer, map, type Observable, type OperatorFunction } from "rxjs";
import type { PullEvent } from "../images/pull.ts";
import type { PushEvent } from "../images/push.ts";

/** Where one layer stands, as the last progress event for it said. */
export interface LayerState {
  /** Last status, e.g. `Downloading`, `Download complete`, `Already exists`. */
  readonly status: string;
  /** Bytes done so far; 0 until the server says. */
  readonly current: number;
  /** Size of the layer in bytes, once the server said. */
  readonly total: number | undefined;
  /** True once a finishing status arrived; it stays true (e.g. through `Extracting`). */
  readonly done: boolean;
}

/** The state of a pull or push after one event; see {@linkcode progress}. */
export interface ProgressSnapshot {
  /** Layers the server has reported so far. */
  readonly layersSeen: number;
  /** Layers finished (downloaded, pushed, or already present). */
  readonly layersDone: number;
  /** Bytes done over every layer (a finished layer of known size counts whole). */
  readonly bytesDone: number;
  /** Sum of the layer sizes known so far. */
  readonly bytesTotal: number;
  /**
   * Share done, 0 to 1, over the layers whose size is known; `undefined` while no size is
   * known. It can step back when a further layer reports its size. 1 once `done`.
   */
  readonly fraction: number | undefined;
  /** Each layer by its id, as of this event; a new map per snapshot. */
  readonly layers: ReadonlyMap<string, LayerState>;
  /** The last status line (`status` events), if any came. */
  readonly lastStatus?: string;
  /** True on the final event (`pulled` or `pushed`). */
  readonly done: boolean;
  /** The event this snapshot follows, e.g. to take the image from the `pulled` event. */
  readonly event: PullEvent | PushEvent;
}

/**
 * The layer statuses, Docker's and Podman's, after which a layer has nothing left to do.
 *
 * @example
 * ```ts
 * import { LAYER_DONE_STATUSES } from "@podrx/podrx";
 *
 * console.assert(LAYER_DONE_STATUSES.has("Already exists"));
 * console.assert(!LAYER_DONE_STATUSES.has("Downloading"));
 * ```
 */
export const LAYER_DONE_STATUSES: ReadonlySet<string> = new Set([
  "Download complete",
  "Pull complete",
  "Already exists",
  "Layer already exists",
  "Pushed",
]);

interface Tally {
  layers: Map<string, LayerState>;
  lastStatus: string | undefined;
  // Running sums, so an event costs the same however many layers came before.
  layersDone: number;
  bytesDone: number;
  bytesTotal: number;
  knownDone: number;
}

function nextLayer(previous: LayerState | undefined, event: {
  status: string;
  current?: number;
  total?: number;
}): LayerState {
  return {
    status: event.status,
    current: event.current ?? previous?.current ?? 0,
    total: event.total ?? previous?.total,
    done: (previous?.done ?? false) || LAYER_DONE_STATUSES.has(event.status),
  };
}

/** Adds (sign 1) or takes away (sign -1) one layer's share of the running sums. */
function count(tally: Tally, layer: LayerState, sign: 1 | -1): void {
  if (layer.done) tally.layersDone += sign;
  if (layer.total === undefined) {
    tally.bytesDone += sign * layer.current;
    return;
  }
  const layerDone = layer.done ? layer.total : Math.min(layer.current, layer.total);
  tally.bytesDone += sign * layerDone;
  tally.knownDone += sign * layerDone;
  tally.bytesTotal += sign * layer.total;
}

function snapshotOf(tally: Tally, event: PullEvent | PushEvent): ProgressSnapshot {
  const done = event.type === "pulled" || event.type === "pushed";
  const { layersDone, bytesDone, bytesTotal, knownDone } = tally;
  const fraction = done ? 1 : bytesTotal > 0 ? Math.min(1, knownDone / bytesTotal) : undefined;
  const snapshot = {
    layersSeen: tally.layers.size,
    layersDone,
    bytesDone,
    bytesTotal,
    fraction,
    layers: new Map(tally.layers) as ReadonlyMap<string, LayerState>,
    done,
    event,
  };
  return tally.lastStatus === undefined ? snapshot : { ...snapshot, lastStatus: tally.lastStatus };
}

/**
 * Folds the events of a pull or push into one aggregate snapshot per event: layers seen and
 * finished, bytes done and known, the share done, and the last status line.
 *
 * Layer bytes come from Docker-style progress (Podman 4.8 and later pull with `compatMode`);
 * Podman's libpod status lines carry none, so then only `lastStatus` and `done` move.
 * Each subscription keeps its own tally, so the operator can be reused.
 *
 * @returns An operator from pull or push events to snapshots; errors and completion pass
 * through unchanged.
 *
 * @example Showing a percentage
 * ```ts
 * import { progress } from "@podrx/podrx";
 * import { from, lastValueFrom } from "rxjs";
 *
 * const events = from([
 *   { type: "progress", id: "a1", status: "Downloading", current: 50, total: 200 },
 *   { type: "progress", id: "b2", status: "Already exists" },
 * ] as const);
 * const snapshot = await lastValueFrom(events.pipe(progress()));
 * console.assert(snapshot.fraction === 0.25 && snapshot.layersDone === 1);
 * ```
 */
export function progress(): OperatorFunction<PullEvent | PushEvent, ProgressSnapshot> {
  return (source: Observable<PullEvent | PushEvent>) =>
    defer(() => {
      const tally: Tally = {
        layers: new Map(),
        lastStatus: undefined,
        layersDone: 0,
        bytesDone: 0,
        bytesTotal: 0,
        knownDone: 0,
      };
      return source.pipe(
        map((event) => {
          if (event.type === "progress") {
            const previous = tally.layers.get(event.id);
            if (previous) count(tally, previous, -1);
            const layer = nextLayer(previous, event);
            count(tally, layer, 1);
            tally.layers.set(event.id, layer);
          } else if (event.type === "status") {
            tally.lastStatus = event.message;
          }
          return snapshotOf(tally, event);
        }),
      );
    });
}
