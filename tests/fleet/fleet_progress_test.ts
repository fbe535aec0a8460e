import assert from "node:assert/strict";
import { from, lastValueFrom, toArray } from "rxjs";
import type { FleetEvent } from "../../src/fleet/fleet_event.ts";
import { fleetProgress } from "../../src/fleet/fleet_progress.ts";
import { renderFleetProgress } from "../../src/fleet/fleet_progress_renderer.ts";
import { PodmanError } from "../../src/errors.ts";
import { Artifact } from "../../src/artifacts/artifact.ts";
import type {
  ArtifactAddEvent,
  ArtifactPullEvent,
  ArtifactPushEvent,
} from "../../src/artifacts/operations/transfer_events.ts";

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

Deno.test("fleetProgress() folds artifact pull, push and add events: files' bytes, final events", async () => {
  const artifact = new Artifact({
    Name: "localhost/ai/model:1",
    Digest: `sha256:${"a".repeat(64)}`,
    Manifest: { schemaVersion: 2, layers: [] },
  });
  const file = (status: string, current: number, total: number | undefined) => ({
    type: "progress" as const,
    id: "weights.bin",
    status,
    current,
    ...(total === undefined ? {} : { total }),
  });
  type ArtifactEvent = ArtifactPullEvent | ArtifactPushEvent | ArtifactAddEvent;
  const events: FleetEvent<ArtifactEvent, string>[] = [
    { type: "started", host: "pull", attempt: 1 },
    { type: "started", host: "push", attempt: 1 },
    { type: "started", host: "add", attempt: 1 },
    { type: "event", host: "pull", event: { type: "status", message: "Pulling artifact" } },
    { type: "event", host: "push", event: file("Preparing", 0, 300) },
    // An add from a stream knows no size: bytes sent only.
    { type: "event", host: "add", event: file("Adding", 100, undefined) },
    { type: "event", host: "pull", event: file("Download complete", 300, 300) },
    {
      type: "event",
      host: "pull",
      event: { type: "pulled", name: artifact.name, digest: artifact.digest!, artifact },
    },
    { type: "event", host: "push", event: file("Pushed", 300, 300) },
    {
      type: "event",
      host: "push",
      event: { type: "pushed", destination: artifact.name, digest: artifact.digest! },
    },
    { type: "event", host: "add", event: file("Added", 300, 300) },
    {
      type: "event",
      host: "add",
      event: { type: "added", name: artifact.name, digest: artifact.digest!, artifact },
    },
    { type: "done", host: "pull", result: "ok" },
    { type: "done", host: "push", result: "ok" },
    { type: "done", host: "add", result: "ok" },
  ];
  const snapshots = await lastValueFrom(from(events).pipe(fleetProgress(), toArray()));
  assert.equal(snapshots.length, events.length);
  const at = (index: number, host: string) => snapshots[index]!.hosts.get(host)!;
  assert.equal(at(3, "pull").lastStatus, "Pulling artifact");
  assert.deepEqual([at(4, "push").bytesDone, at(4, "push").bytesTotal], [0, 300]);
  assert.deepEqual([at(5, "add").bytesDone, at(5, "add").bytesTotal], [100, 0]);
  const last = snapshots.at(-1)!;
  for (const host of ["pull", "push", "add"]) {
    assert.deepEqual([last.hosts.get(host)?.bytesDone, last.hosts.get(host)?.bytesTotal], [
      300,
      300,
    ], host);
  }
  assert.deepEqual([last.done, last.bytesDone, last.bytesTotal], [3, 900, 900]);
});
