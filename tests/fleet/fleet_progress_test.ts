import assert from "node:assert/strict";
import { from, lastValueFrom, toArray } from "rxjs";
import type { FleetEvent } from "../../src/fleet/fleet_event.ts";
import { fleetProgress } from "../../src/fleet/fleet_progress.ts";
import { renderFleetProgress } from "../../src/fleet/fleet_progress_renderer.ts";
import { PodmanError } from "../../src/errors.ts";

type Event = FleetEvent<unknown, string>;

const events: Event[] = [
  { type: "started", host: "a", attempt: 1 },
  { type: "started", host: "b", attempt: 1 },
  {
    type: "event",
    host: "a",
    event: { type: "progress", id: "l1", status: "Downloading", current: 10, total: 40 },
  },
  { type: "event", host: "b", event: { type: "sent", bytes: 100 } },
  { type: "retry", host: "b", attempt: 1, error: new PodmanError("Cannot pull: flaky") },
  { type: "started", host: "b", attempt: 2 },
  { type: "event", host: "a", event: { type: "progress", id: "l1", status: "Download complete" } },
  { type: "done", host: "a", result: "ok" },
  { type: "failed", host: "b", error: new PodmanError("Cannot pull: gone") },
];

Deno.test("fleetProgress() counts hosts by state and sums their bytes", async () => {
  const snapshots = await lastValueFrom(
    from(events).pipe(fleetProgress({ hosts: ["a", "b", "c"] }), toArray()),
  );
  assert.equal(snapshots.length, events.length);
  const first = snapshots[0]!;
  assert.deepEqual([first.running, first.waiting, first.done], [1, 2, 0]);
  const afterBytes = snapshots[3]!;
  assert.equal(afterBytes.hosts.get("a")?.bytesDone, 10);
  assert.equal(afterBytes.hosts.get("a")?.bytesTotal, 40);
  assert.equal(afterBytes.bytesDone, 110);
  assert.equal(snapshots[4]!.hosts.get("b")?.status, "retrying");
  // A retry starts the host's bytes afresh.
  assert.equal(snapshots[5]!.hosts.get("b")?.bytesDone, 0);
  assert.equal(snapshots[5]!.hosts.get("b")?.attempt, 2);
  const last = snapshots.at(-1)!;
  assert.deepEqual([last.done, last.failed, last.running, last.waiting], [1, 1, 0, 1]);
  assert.equal(last.hosts.get("a")?.bytesDone, 40);
  assert.equal(last.hosts.get("b")?.error?.message, "Cannot pull: gone");
});

Deno.test("renderFleetProgress() draws a line per host on a terminal, nothing elsewhere", async () => {
  let drawn = "";
  const terminal = {
    isTerminal: () => true,
    writeSync: (bytes: Uint8Array) => {
      drawn += new TextDecoder().decode(bytes);
      return bytes.length;
    },
  };
  await lastValueFrom(
    from(events).pipe(
      fleetProgress({ hosts: ["a", "b", "c"] }),
      renderFleetProgress({ output: terminal, interval: 0 }),
    ),
  );
  const lastFrame = drawn.split("\x1b[4F").at(-1)!;
  assert.match(lastFrame, /✔ a +done/);
  assert.match(lastFrame, /✘ b +failed .*try 2 Cannot pull: gone/);
  assert.match(lastFrame, /· c +waiting/);
  assert.match(lastFrame, /1 done, 1 failed, 0 running, 1 waiting/);

  let written = 0;
  const pipe = {
    isTerminal: () => false,
    writeSync: (bytes: Uint8Array) => (written += bytes.length),
  };
  const passed = await lastValueFrom(
    from(events).pipe(fleetProgress(), renderFleetProgress({ output: pipe }), toArray()),
  );
  assert.equal(passed.length, events.length);
  assert.equal(written, 0);
});
