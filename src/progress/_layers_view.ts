import type { LayerState } from "./layer_state.ts";

/**
 * How many changes a view may sit behind its nearest whole copy. Copying the layer map on
 * every event cost more than everything else `progress()` does per event; a copy every
 * `CHECKPOINT_EVERY` events bounds both the copying and how far a view has to replay.
 */
const CHECKPOINT_EVERY = 32;

/**
 * The layers as of one event: a read-only map that is built when first read. Until then it
 * holds only the change its event made and the view before it; every
 * {@linkcode CHECKPOINT_EVERY}-th view is a whole copy, so reading any view replays at most that
 * many changes, and a view keeps at most that many earlier ones alive.
 */
export class LayersView implements ReadonlyMap<string, LayerState> {
  #map: Map<string, LayerState> | undefined;
  #before: LayersView | undefined;
  #depth: number;
  // The change this view's event made, as its parts: its LayerState is made only when read.
  #id: string;
  #status: string;
  #current: number;
  #total: number | undefined;
  #done: boolean;

  private constructor(
    map: Map<string, LayerState> | undefined,
    before: LayersView | undefined,
    depth: number,
    id: string,
    status: string,
    current: number,
    total: number | undefined,
    done: boolean,
  ) {
    this.#map = map;
    this.#before = before;
    this.#depth = depth;
    this.#id = id;
    this.#status = status;
    this.#current = current;
    this.#total = total;
    this.#done = done;
  }

  /** The view of no layers. */
  static empty(): LayersView {
    return new LayersView(new Map(), undefined, 0, "", "", 0, undefined, false);
  }

  /**
   * The view after layer `id` became `status`, `current`, `total` and `done` (a LayerState's
   * parts). `live` gives every layer as of now, change included; it is called, and its map
   * copied, only at a checkpoint.
   */
  next(
    id: string,
    status: string,
    current: number,
    total: number | undefined,
    done: boolean,
    live: () => ReadonlyMap<string, LayerState>,
  ): LayersView {
    if (this.#depth + 1 >= CHECKPOINT_EVERY) {
      return new LayersView(new Map(live()), undefined, 0, "", "", 0, undefined, false);
    }
    return new LayersView(undefined, this, this.#depth + 1, id, status, current, total, done);
  }

  #resolve(): Map<string, LayerState> {
    if (this.#map) return this.#map;
    // This view and the ones before it back to a whole copy, newest first.
    const changes: LayersView[] = [this];
    let base = this.#before!;
    while (!base.#map) {
      changes.push(base);
      base = base.#before!;
    }
    const map = new Map(base.#map);
    for (let i = changes.length - 1; i >= 0; i--) {
      const change = changes[i]!;
      map.set(change.#id, {
        status: change.#status,
        current: change.#current,
        total: change.#total,
        done: change.#done,
      });
    }
    // Once built, the view needs nothing before it.
    this.#map = map;
    this.#before = undefined;
    return map;
  }

  get size(): number {
    return this.#resolve().size;
  }
  get(id: string): LayerState | undefined {
    return this.#resolve().get(id);
  }
  has(id: string): boolean {
    return this.#resolve().has(id);
  }
  forEach(
    callback: (layer: LayerState, id: string, map: ReadonlyMap<string, LayerState>) => void,
    thisArg?: unknown,
  ): void {
    for (const [id, layer] of this.#resolve()) callback.call(thisArg, layer, id, this);
  }
  entries(): MapIterator<[string, LayerState]> {
    return this.#resolve().entries();
  }
  keys(): MapIterator<string> {
    return this.#resolve().keys();
  }
  values(): MapIterator<LayerState> {
    return this.#resolve().values();
  }
  [Symbol.iterator](): MapIterator<[string, LayerState]> {
    return this.#resolve()[Symbol.iterator]();
  }
}
