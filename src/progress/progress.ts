import { defer, map, type Observable, type OperatorFunction } from "rxjs";
import type { LayerProgressEvent, PullStatusEvent } from "../vocabulary/stream_events.ts";
import { LayersView } from "./_layers_view.ts";
import type { LayerState } from "./layer_state.ts";

/**
 * What {@linkcode progress} folds: the status and layer events of a pull or push (of an image
 * or an artifact) or of an artifact `add`, and their final event (`pulled`, `pushed` or
 * `added`), whatever else that carries.
 */
export type ProgressEvent =
  | PullStatusEvent
  | LayerProgressEvent
  | { readonly type: "pulled" | "pushed" | "added" };

/** The state of a pull or push after one event `E`; see {@linkcode progress}. */
export interface ProgressSnapshot<E extends ProgressEvent = ProgressEvent> {
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
  /**
   * Each layer by its id, as of this event. Every snapshot has its own: a later event does
   * not change what an earlier snapshot shows.
   */
  readonly layers: ReadonlyMap<string, LayerState>;
  /** The last status line (`status` events), if any came. */
  readonly lastStatus?: string;
  /** True on the final event (`pulled`, `pushed` or `added`). */
  readonly done: boolean;
  /** The event this snapshot follows, e.g. to take the image from the `pulled` event. */
  readonly event: E;
}

/**
 * The layer statuses, Docker's and Podman's, after which a layer has nothing left to do.
 *
 * @example
 * ```ts
 * import { LAYER_DONE_STATUSES } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * assert.ok(LAYER_DONE_STATUSES.has("Already exists"));
 * assert.ok(!LAYER_DONE_STATUSES.has("Downloading"));
 * ```
 */
export const LAYER_DONE_STATUSES: ReadonlySet<string> = new Set([
  "Download complete",
  "Pull complete",
  "Already exists",
  "Layer already exists",
  "Pushed",
  // A file of an artifact `add()` the server has stored.
  "Added",
]);

interface Tally {
  // Every layer but the one of the last progress event, which is kept apart, as its parts,
  // while events for it follow each other: no Map lookup and no LayerState made per event.
  layers: Map<string, LayerState>;
  hasLast: boolean;
  lastId: string;
  lastLayerStatus: string;
  lastCurrent: number;
  lastTotal: number | undefined;
  lastDone: boolean;
  layersSeen: number;
  // What snapshots hand out: built from the changes only when read.
  view: LayersView;
  // Every layer, the last one settled: what a view copies at a checkpoint.
  allLayers: () => ReadonlyMap<string, LayerState>;
  lastStatus: string | undefined;
  // Running sums, so an event costs the same however many layers came before.
  layersDone: number;
  bytesDone: number;
  bytesTotal: number;
  knownDone: number;
}

/** Puts the last event's layer back into the map. */
function settleLast(tally: Tally): void {
  if (!tally.hasLast) return;
  tally.layers.set(tally.lastId, {
    status: tally.lastLayerStatus,
    current: tally.lastCurrent,
    total: tally.lastTotal,
    done: tally.lastDone,
  });
}

function applyProgress(tally: Tally, event: LayerProgressEvent): void {
  if (!tally.hasLast || event.id !== tally.lastId) {
    // Another layer: the last one goes back into the map, and this one's parts come out (a
    // layer not seen before has none: it counts for nothing until this event).
    settleLast(tally);
    const previous = tally.layers.get(event.id);
    if (!previous) tally.layersSeen++;
    tally.hasLast = true;
    tally.lastId = event.id;
    tally.lastLayerStatus = previous?.status ?? "";
    tally.lastCurrent = previous?.current ?? 0;
    tally.lastTotal = previous?.total;
    tally.lastDone = previous?.done ?? false;
  }
  count(tally, tally.lastCurrent, tally.lastTotal, tally.lastDone, -1);
  const status = event.status;
  const current = event.current ?? tally.lastCurrent;
  const total = event.total ?? tally.lastTotal;
  // Most events repeat the layer's status (`Downloading`), which needs no lookup.
  const done = tally.lastDone ||
    (status !== tally.lastLayerStatus && LAYER_DONE_STATUSES.has(status));
  count(tally, current, total, done, 1);
  tally.lastLayerStatus = status;
  tally.lastCurrent = current;
  tally.lastTotal = total;
  tally.lastDone = done;
  tally.view = tally.view.next(event.id, status, current, total, done, tally.allLayers);
}

/** Adds (sign 1) or takes away (sign -1) one layer's share of the running sums. */
function count(
  tally: Tally,
  current: number,
  total: number | undefined,
  done: boolean,
  sign: 1 | -1,
): void {
  if (done) tally.layersDone += sign;
  if (total === undefined) {
    tally.bytesDone += sign * current;
    return;
  }
  const layerDone = done ? total : Math.min(current, total);
  tally.bytesDone += sign * layerDone;
  tally.knownDone += sign * layerDone;
  tally.bytesTotal += sign * total;
}

function snapshotOf<E extends ProgressEvent>(tally: Tally, event: E): ProgressSnapshot<E> {
  const done = event.type === "pulled" || event.type === "pushed" || event.type === "added";
  const { layersDone, bytesDone, bytesTotal, knownDone } = tally;
  const fraction = done ? 1 : bytesTotal > 0 ? Math.min(1, knownDone / bytesTotal) : undefined;
  const layersSeen = tally.layersSeen;
  const layers: ReadonlyMap<string, LayerState> = tally.view;
  const { lastStatus } = tally;
  return lastStatus === undefined
    ? { layersSeen, layersDone, bytesDone, bytesTotal, fraction, layers, done, event }
    : { layersSeen, layersDone, bytesDone, bytesTotal, fraction, layers, lastStatus, done, event };
}

/**
 * Folds the events of a pull or push into one aggregate snapshot per event: layers seen and
 * finished, bytes done and known, the share done, and the last status line.
 *
 * Layer bytes come from Docker-style progress (Podman 4.8 and later pull with `compatMode`)
 * and from Podman 6's `pullProgress` (the default there); once every layer is finished,
 * `bytesDone === bytesTotal`. Both count the image's config blob as a layer: the server
 * reports it like one. Libpod status lines alone
 * (Podman before 4.8, or `compatMode: false` before 6.0) carry none, so then only `lastStatus`
 * and `done` move.
 * Each subscription keeps its own tally, so the operator can be reused.
 *
 * @returns An operator from pull or push events to snapshots; errors and completion pass
 * through unchanged.
 *
 * @example Showing a percentage
 * ```ts
 * import { progress } from "@podrx/podrx";
 * import { from, lastValueFrom } from "rxjs";
 * import assert from "node:assert/strict";
 *
 * const events = from([
 *   { type: "progress", id: "a1", status: "Downloading", current: 50, total: 200 },
 *   { type: "progress", id: "b2", status: "Already exists" },
 * ] as const);
 * const snapshot = await lastValueFrom(events.pipe(progress()));
 * assert.ok(snapshot.fraction === 0.25 && snapshot.layersDone === 1);
 * ```
 */
export function progress<E extends ProgressEvent>(): OperatorFunction<E, ProgressSnapshot<E>> {
  return (source: Observable<E>) =>
    defer(() => {
      const tally: Tally = {
        layers: new Map(),
        hasLast: false,
        lastId: "",
        lastLayerStatus: "",
        lastCurrent: 0,
        lastTotal: undefined,
        lastDone: false,
        layersSeen: 0,
        view: LayersView.empty(),
        allLayers: () => {
          settleLast(tally);
          return tally.layers;
        },
        lastStatus: undefined,
        layersDone: 0,
        bytesDone: 0,
        bytesTotal: 0,
        knownDone: 0,
      };
      return source.pipe(
        map((event) => {
          if (event.type === "progress") {
            applyProgress(tally, event);
          } else if (event.type === "status") {
            tally.lastStatus = event.message;
          }
          return snapshotOf(tally, event);
        }),
      );
    });
}
