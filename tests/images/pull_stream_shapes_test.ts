import assert from "node:assert/strict";
import type { LayerProgressEvent, PullStatusEvent } from "../../mod.ts";
import { PullStreamReader } from "../../src/images/operations/_pull_stream.ts";

function readOne(
  reader: PullStreamReader,
  value: unknown,
): (PullStatusEvent | LayerProgressEvent)[] {
  const events: (PullStatusEvent | LayerProgressEvent)[] = [];
  reader.read(value, (event) => events.push(event));
  return events;
}

Deno.test("PullStreamReader reads a Docker-style line whose id is a tag as a status, not a layer", () => {
  const reader = new PullStreamReader();
  assert.deepEqual(readOne(reader, { status: "Pulling from podrx/app", id: "latest" }), [
    { type: "status", message: "latest: Pulling from podrx/app" },
  ]);
  assert.deepEqual(
    readOne(reader, { status: "Pulling fs layer", progressDetail: {}, id: "a3ed95caeb02" }),
    [{ type: "progress", id: "a3ed95caeb02", status: "Pulling fs layer" }],
  );
  // After a layer line, a tag id is still a tag.
  assert.deepEqual(readOne(reader, { status: "Digest: sha256:0a1b", id: "latest" }), [
    { type: "status", message: "latest: Digest: sha256:0a1b" },
  ]);
  assert.deepEqual(
    readOne(reader, {
      status: "Downloading",
      progressDetail: { current: 10, total: 20 },
      id: "a3ed95caeb02",
    }),
    [{ type: "progress", id: "a3ed95caeb02", status: "Downloading", current: 10, total: 20 }],
  );
});
