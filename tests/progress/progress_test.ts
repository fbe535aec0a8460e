// The progress operator and the terminal renderer, fed recorded event sequences (no server).
import assert from "node:assert/strict";
import fc from "fast-check";
import { concat, from, lastValueFrom, Observable, tap, throwError, toArray } from "rxjs";
import type { Image, LayerProgressEvent, LayerState, PullEvent, PushEvent } from "../../mod.ts";
import {
  LAYER_DONE_STATUSES,
  progress,
  type ProgressEvent,
  type ProgressSnapshot,
} from "../../src/progress/progress.ts";
import { type ProgressOutput, renderProgress } from "../../src/progress/progress_renderer.ts";
import { CONFIG, LAYER, PODMAN6_EVENTS } from "../images/_podman6_pull.ts";

// A stand-in for the Image of a `pulled` event; the operator never looks inside it.
const image = { id: "f".repeat(64) } as unknown as Image;
const pulled: PullEvent = { type: "pulled", image, images: [image] };

// A Podman 5 compat pull (as PullStreamReader emits it): two layers with sizes, one that
// already exists.
const PULL: PullEvent[] = [
  { type: "progress", id: "aaaaaaaaaaaa", status: "Pulling fs layer" },
  { type: "progress", id: "bbbbbbbbbbbb", status: "Pulling fs layer" },
  { type: "progress", id: "cccccccccccc", status: "Already exists" },
  { type: "progress", id: "aaaaaaaaaaaa", status: "Downloading", current: 250, total: 1000 },
  { type: "progress", id: "bbbbbbbbbbbb", status: "Downloading", current: 0, total: 3000 },
  { type: "progress", id: "aaaaaaaaaaaa", status: "Downloading", current: 1000, total: 1000 },
  { type: "progress", id: "aaaaaaaaaaaa", status: "Download complete" },
  { type: "progress", id: "bbbbbbbbbbbb", status: "Downloading", current: 1500, total: 3000 },
  { type: "progress", id: "bbbbbbbbbbbb", status: "Download complete" },
  pulled,
];

async function snapshots(events: (PullEvent | PushEvent)[]): Promise<ProgressSnapshot[]> {
  return await lastValueFrom(from(events).pipe(progress(), toArray()));
}

Deno.test("progress() emits one snapshot per event with layer counts and byte totals", async () => {
  const all = await snapshots(PULL);
  assert.equal(all.length, PULL.length);
  assert.deepEqual(
    all.map((s) => [s.layersSeen, s.layersDone, s.bytesDone, s.bytesTotal, s.fraction, s.done]),
    [
      [1, 0, 0, 0, undefined, false],
      [2, 0, 0, 0, undefined, false],
      [3, 1, 0, 0, undefined, false], // Already exists: done, size unknown
      [3, 1, 250, 1000, 0.25, false],
      [3, 1, 250, 4000, 0.0625, false], // a second size becomes known: the share steps back
      [3, 1, 1000, 4000, 0.25, false],
      [3, 2, 1000, 4000, 0.25, false],
      [3, 2, 2500, 4000, 0.625, false],
      [3, 3, 4000, 4000, 1, false], // Download complete counts the whole layer
      [3, 3, 4000, 4000, 1, true],
    ],
  );
  const last = all.at(-1)!;
  assert.equal(last.event, pulled);
  assert.deepEqual(last.layers.get("bbbbbbbbbbbb"), {
    status: "Download complete",
    current: 1500,
    total: 3000,
    done: true,
  });
  assert.deepEqual(last.layers.get("cccccccccccc"), {
    status: "Already exists",
    current: 0,
    total: undefined,
    done: true,
  });
});

Deno.test("progress() keeps each snapshot's layers as they were at that event", async () => {
  const all = await snapshots(PULL);
  assert.equal(all[3]!.layers.get("aaaaaaaaaaaa")?.current, 250);
  assert.equal(all[5]!.layers.get("aaaaaaaaaaaa")?.current, 1000);
  assert.notEqual(all[3]!.layers, all[5]!.layers);
});

Deno.test("progress() snapshots show their own event's layers, read in any order, past many events", async () => {
  // Long random streams over a few layers (more events than a view replays before a whole
  // copy), each snapshot compared with a plain copy taken at its event; snapshots are read
  // in a random order, some twice, some only after later ones.
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          id: fc.constantFrom("l1", "l2", "l3", "l4"),
          status: fc.constantFrom("Downloading", "Download complete", "Pushing"),
          current: fc.nat(5000),
        }),
        { minLength: 1, maxLength: 200, size: "max" },
      ),
      fc.array(fc.nat(), { maxLength: 300, size: "max" }),
      async (changes, readOrder) => {
        const events: PullEvent[] = changes.map((change) => ({
          type: "progress",
          ...change,
          total: 5000,
        }));
        // The model: a layer shows its last status, its last known current and total, and
        // stays done once a finishing status came.
        const expected: Map<string, LayerState>[] = [];
        const model = new Map<string, LayerState>();
        for (const event of events as LayerProgressEvent[]) {
          const before = model.get(event.id);
          model.set(event.id, {
            status: event.status,
            current: event.current ?? before?.current ?? 0,
            total: event.total ?? before?.total,
            done: (before?.done ?? false) || LAYER_DONE_STATUSES.has(event.status),
          });
          expected.push(new Map(model));
        }
        const readEarly: Map<string, LayerState>[] = [];
        const all = await lastValueFrom(
          from(events).pipe(
            progress(),
            // Some snapshots are read at their event, the others only after the stream.
            tap((snapshot) => {
              if (readEarly.length % 3 === 0) readEarly.push(new Map(snapshot.layers));
              else readEarly.push(new Map());
            }),
            toArray(),
          ),
        );
        readEarly.forEach((layers, index) => {
          if (index % 3 === 0) assert.deepEqual(layers, expected[index]);
        });
        for (const index of [...readOrder.map((n) => n % all.length), 0, all.length - 1]) {
          assert.deepEqual(new Map(all[index]!.layers), expected[index]);
          assert.equal(all[index]!.layers.size, all[index]!.layersSeen);
        }
      },
    ),
  );
});

Deno.test("progress() snapshots' layers are unread until read, and the same when read late", async () => {
  const all = await lastValueFrom(from(PULL).pipe(progress(), toArray()));
  // Read from last to first: each must still show its own event.
  const counts: number[] = [];
  for (let index = all.length - 1; index >= 0; index--) {
    counts.unshift([...all[index]!.layers.keys()].length);
  }
  assert.deepEqual(counts, [1, 2, 3, 3, 3, 3, 3, 3, 3, 3]);
  assert.equal(all[0]!.layers.get("aaaaaaaaaaaa")?.status, "Pulling fs layer");
  assert.equal(all[3]!.layers.has("cccccccccccc"), true);
  const seen: string[] = [];
  all[2]!.layers.forEach((layer, id, map) => {
    assert.equal(map, all[2]!.layers);
    seen.push(`${id}:${layer.status}`);
  });
  assert.deepEqual(seen, [
    "aaaaaaaaaaaa:Pulling fs layer",
    "bbbbbbbbbbbb:Pulling fs layer",
    "cccccccccccc:Already exists",
  ]);
});

Deno.test("progress() counts every finishing status, and a finished layer stays finished", async () => {
  assert.deepEqual([...LAYER_DONE_STATUSES].sort(), [
    "Added",
    "Already exists",
    "Download complete",
    "Layer already exists",
    "Pull complete",
    "Pushed",
  ]);
  const all = await snapshots([
    { type: "progress", id: "l1", status: "Pushing", current: 10, total: 100 },
    { type: "progress", id: "l2", status: "Layer already exists" },
    { type: "progress", id: "l1", status: "Pushed" },
    { type: "progress", id: "l3", status: "Download complete", current: 5, total: 5 },
    { type: "progress", id: "l3", status: "Extracting", current: 1, total: 5 },
    { type: "progress", id: "l3", status: "Pull complete" },
  ]);
  assert.deepEqual(all.map((s) => s.layersDone), [0, 1, 2, 3, 3, 3]);
  // Extracting after Download complete: still done, and its bytes still count whole.
  assert.equal(all[4]!.layers.get("l3")?.done, true);
  assert.equal(all[4]!.bytesDone, 105);
  assert.equal(all[4]!.fraction, 1);
});

Deno.test("progress() follows libpod status lines: no sizes, last status, done at the end", async () => {
  const all = await snapshots([
    { type: "status", message: "Getting image source signatures" },
    { type: "status", message: "Writing manifest to image destination" },
    { type: "pushed", destination: "127.0.0.1:5000/app:1", digest: "sha256:" + "1".repeat(64) },
  ]);
  assert.deepEqual(all.map((s) => [s.lastStatus, s.fraction, s.done, s.layersSeen]), [
    ["Getting image source signatures", undefined, false, 0],
    ["Writing manifest to image destination", undefined, false, 0],
    ["Writing manifest to image destination", 1, true, 0],
  ]);
  const first = (await snapshots([{ type: "progress", id: "x", status: "Waiting" }]))[0]!;
  assert.equal("lastStatus" in first, false);
});

Deno.test("progress() passes an error through after the snapshots before it", async () => {
  const failure = new Error("Cannot pull image: manifest unknown");
  const seen: ProgressSnapshot[] = [];
  const error = await new Promise<unknown>((resolve) =>
    concat(from(PULL.slice(0, 4)), throwError(() => failure)).pipe(progress()).subscribe({
      next: (snapshot) => seen.push(snapshot),
      error: resolve,
    })
  );
  assert.equal(error, failure);
  assert.equal(seen.length, 4);
  assert.equal(seen.at(-1)!.done, false);
  assert.equal(seen.at(-1)!.fraction, 0.25);
});

Deno.test("progress() keeps a separate tally per subscription", async () => {
  const events$ = from(PULL.slice(3, 6)).pipe(progress());
  const first = await lastValueFrom(events$.pipe(toArray()));
  const second = await lastValueFrom(events$.pipe(toArray()));
  assert.deepEqual(
    second.map((s) => [s.layersSeen, s.bytesDone, s.bytesTotal]),
    first.map((s) => [s.layersSeen, s.bytesDone, s.bytesTotal]),
  );
  assert.equal(second.at(-1)!.layersSeen, 2);
});

// --- renderer ------------------------------------------------------------------------------

class FakeTerminal implements ProgressOutput {
  readonly writes: string[] = [];
  constructor(readonly terminal: boolean) {}
  isTerminal(): boolean {
    return this.terminal;
  }
  writeSync(bytes: Uint8Array): number {
    this.writes.push(new TextDecoder().decode(bytes));
    return bytes.length;
  }
}

const CLEAR = "\r\x1b[K";

Deno.test("renderProgress() draws nothing and passes snapshots through when not a terminal", async () => {
  const output = new FakeTerminal(false);
  const drawn = await lastValueFrom(
    from(PULL).pipe(progress(), renderProgress({ output, interval: 0 }), toArray()),
  );
  assert.equal(drawn.length, PULL.length);
  assert.deepEqual(output.writes, []);
});

Deno.test("renderProgress() redraws one line in place and clears it on completion", async () => {
  const output = new FakeTerminal(true);
  await lastValueFrom(
    from(PULL).pipe(progress(), renderProgress({ output, label: "busybox", interval: 0 })),
  );
  assert.equal(output.writes.length, PULL.length + 1);
  assert.ok(output.writes.every((text) => text.startsWith(CLEAR) && !text.includes("\n")));
  assert.equal(output.writes[0], `${CLEAR}busybox  0/1 layers`);
  assert.equal(
    output.writes[3],
    `${CLEAR}busybox  [=====>                  ]   25%  250 B/1.0 kB  1/3 layers`,
  );
  assert.equal(
    output.writes[PULL.length - 1],
    `${CLEAR}busybox  [========================]  100%  4.0 kB/4.0 kB  3/3 layers`,
  );
  assert.equal(output.writes.at(-1), CLEAR);
});

// A Podman 6 pull with `pullProgress`: status lines between the layer events, which name blobs
// by digest and carry the bytes when they finish.
const PODMAN6_PULL: PullEvent[] = [...PODMAN6_EVENTS, pulled];

Deno.test("progress() and renderProgress() show the bytes of a Podman 6 pull", async () => {
  const all = await snapshots(PODMAN6_PULL);
  const [layer, both] = [268_436_992, 268_436_992 + 163];
  const trying = "Trying to pull 127.0.0.1:5099/podrx/big:1...";
  const blob = `Copying blob ${LAYER}`;
  const config = `Copying config ${CONFIG}`;
  const writing = "Writing manifest to image destination";
  assert.deepEqual(all.map((s) => [s.bytesDone, s.bytesTotal, s.layersDone, s.lastStatus]), [
    [0, 0, 0, trying],
    [0, 0, 0, "Getting image source signatures"],
    [0, 0, 0, blob],
    [0, layer, 0, blob],
    [177_766_082, layer, 0, blob],
    [layer, layer, 1, blob],
    [layer, layer, 1, config],
    [layer, both, 1, config],
    [both, both, 2, config],
    [both, both, 2, writing],
    [both, both, 2, writing],
  ]);
  const output = new FakeTerminal(true);
  await lastValueFrom(
    from(PODMAN6_PULL).pipe(progress(), renderProgress({ output, label: "big", interval: 0 })),
  );
  assert.equal(output.writes[0], `${CLEAR}big  ${trying}`);
  assert.equal(
    output.writes[4],
    `${CLEAR}big  [===============>        ]   66%  177.8 MB/268.4 MB  0/1 layers`,
  );
  assert.equal(
    output.writes[PODMAN6_PULL.length - 1],
    `${CLEAR}big  [========================]  100%  268.4 MB/268.4 MB  2/2 layers`,
  );
});

Deno.test("renderProgress() shows the last status line when there are no layers, and clears on error", async () => {
  const output = new FakeTerminal(true);
  const failure = new Error("boom");
  const events: Observable<PullEvent> = concat(
    from([{ type: "status", message: "Trying to pull 127.0.0.1:5000/app:1..." } as const]),
    throwError(() => failure),
  );
  const error = await lastValueFrom(
    events.pipe(progress(), renderProgress({ output, columns: 20, interval: 0 })),
  ).catch((e: unknown) => e);
  assert.equal(error, failure);
  // Cut to one column less than the width, so the cursor never wraps.
  assert.deepEqual(output.writes, [`${CLEAR}Trying to pull 127.`, CLEAR]);
});

Deno.test("renderProgress() clears its line when unsubscribed", () => {
  const output = new FakeTerminal(true);
  const never = new Observable<PullEvent>((subscriber) => {
    subscriber.next({ type: "progress", id: "a", status: "Downloading", current: 1, total: 4 });
  });
  const subscription = never.pipe(progress(), renderProgress({ output, interval: 0 })).subscribe();
  subscription.unsubscribe();
  assert.deepEqual(output.writes, [
    `${CLEAR}[=====>                  ]   25%  1 B/4 B  0/1 layers`,
    CLEAR,
  ]);
});

Deno.test("renderProgress() skips redraws within the interval but always draws the last", async () => {
  const output = new FakeTerminal(true);
  await lastValueFrom(from(PULL).pipe(progress(), renderProgress({ output, interval: 60_000 })));
  // The first snapshot, the final one, then the clear.
  assert.equal(output.writes.length, 3);
  assert.match(output.writes[1]!, /100%/);
  assert.equal(output.writes[2], CLEAR);
});

Deno.test("renderProgress() rejects a negative interval synchronously", () => {
  assert.throws(() => renderProgress({ interval: -1 }), RangeError);
});

Deno.test("progress() folds an artifact add: files by name, bytes as sent, done on added", async () => {
  const events: ProgressEvent[] = [
    { type: "progress", id: "weights.bin", status: "Adding", current: 1_048_576, total: 3_000_000 },
    { type: "progress", id: "weights.bin", status: "Added", current: 3_000_000, total: 3_000_000 },
    { type: "progress", id: "config.json", status: "Added", current: 12, total: 12 },
    { type: "added" },
  ];
  const all = await lastValueFrom(from(events).pipe(progress(), toArray()));
  assert.deepEqual(all.map((s) => s.layersDone), [0, 1, 2, 2]);
  assert.deepEqual(all.map((s) => s.done), [false, false, false, true]);
  assert.equal(all.at(-1)!.bytesDone, 3_000_012);
  assert.equal(all.at(-1)!.fraction, 1);
});
