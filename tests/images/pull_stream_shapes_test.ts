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

Deno.test("PullStreamReader takes a final Download complete line as the image whatever its id's form", () => {
  // Podman writes the image id's first 12 characters there; Podman 6 warns that ids will
  // change form, so a prefix that is not hex (`sha512:` and 5 digits) names the image too.
  const reader = new PullStreamReader();
  assert.deepEqual(
    readOne(reader, { status: "Download complete", progressDetail: {}, id: "a3ed95caeb02" }),
    [],
  );
  assert.deepEqual(
    readOne(reader, { status: "Download complete", progressDetail: {}, id: "sha512:0a1b2" }),
    [{ type: "progress", id: "a3ed95caeb02", status: "Download complete" }],
  );
  assert.deepEqual(reader.end(), { kind: "prefix", prefix: "sha512:0a1b2" });
});

Deno.test("PullStreamReader emits a held Download complete line with a non-layer id as a status when more follows", () => {
  const reader = new PullStreamReader();
  assert.deepEqual(
    readOne(reader, { status: "Download complete", progressDetail: {}, id: "latest" }),
    [],
  );
  assert.deepEqual(readOne(reader, { status: "Digest: sha256:0a1b", id: "latest" }), [
    { type: "status", message: "latest: Download complete" },
    { type: "status", message: "latest: Digest: sha256:0a1b" },
  ]);
});

Deno.test("PullStreamReader keeps the report's ids as written and dedupes sha256:x with x", () => {
  const sha512 = `sha512:${"ab".repeat(64)}`;
  const id = "cd".repeat(32);
  const reader = new PullStreamReader();
  readOne(reader, { images: [sha512, `sha256:${id}`, id, "ef".repeat(20)], id });
  assert.deepEqual(reader.end(), {
    kind: "ids",
    ids: [sha512, `sha256:${id}`, "ef".repeat(20)],
  });
});
