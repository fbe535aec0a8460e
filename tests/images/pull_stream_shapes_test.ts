import assert from "node:assert/strict";
import { PullStreamReader } from "../../src/images/_pull_stream.ts";

Deno.test("PullStreamReader reads a Docker-style line whose id is a tag as a status, not a layer", () => {
  const reader = new PullStreamReader();
  assert.deepEqual(reader.read({ status: "Pulling from podrx/app", id: "latest" }), [
    { type: "status", message: "latest: Pulling from podrx/app" },
  ]);
  assert.deepEqual(
    reader.read({ status: "Pulling fs layer", progressDetail: {}, id: "a3ed95caeb02" }),
    [
      { type: "progress", id: "a3ed95caeb02", status: "Pulling fs layer" },
    ],
  );
});
