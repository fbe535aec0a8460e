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
  #id: string;
  #layer: LayerState | undefined;
  #depth: number;

  private constructor(
    map: Map<string, LayerState> | undefined,
    before: LayersView | undefined,
    id: string,
    layer: LayerState | undefined,
    depth: number,
  ) {
    this.#map = map;
    this.#before = before;
    this.#id = id;
    this.#layer = layer;
    this.#depth = depth;
  }

  /** The view of no layers. */
  static empty(): LayersView {
    return new LayersView(new Map(), undefined, "", undefined, 0);
  }

  /**
   * The view after `id` became `layer`. `live` gives every layer as of now, change included;
   * it is called, and its map copied, only at a checkpoint.
   */
  next(id: string, layer: LayerState, live: () => ReadonlyMap<string, LayerState>): LayersView {
    if (this.#depth + 1 >= CHECKPOINT_EVERY) {
      return new LayersView(new Map(live()), undefined, "", undefined, 0);
    }
    return new LayersView(undefined, this, id, layer, this.#depth + 1);
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
    for (let i = changes.length - 1; i >= 0; i--) map.set(changes[i]!.#id, changes[i]!.#layer!);
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
