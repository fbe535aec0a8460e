// Which arguments a fleet refuses to give to several hosts: those holding a ReadableStream, at
// the top or inside the arrays and plain objects of options (never inside a model or a buffer).
import assert from "node:assert/strict";
import { holdsStream } from "../../src/fleet/_holds_stream.ts";

Deno.test("holdsStream finds a stream as an argument, in options, and in an artifact's files", () => {
  const stream = () => new ReadableStream<Uint8Array>();
  assert.equal(holdsStream([stream()]), true);
  assert.equal(holdsStream([{ fileobj: stream(), tag: "x" }]), true);
  assert.equal(holdsStream(["name", [{ fileName: "model.bin", data: stream() }], {}]), true);
  assert.equal(
    holdsStream(["name", [{ fileName: "a", data: new Uint8Array(4) }], undefined]),
    false,
  );
  assert.equal(holdsStream(["/tmp/image.tar", { hosts: ["a", "b"] }]), false);
  assert.equal(holdsStream([new Blob(["x"]), null, 3]), false);
  // Not walked into: a class instance holding a stream is not an argument podrx reads.
  class Holder {
    stream = stream();
  }
  assert.equal(holdsStream([new Holder()]), false);
});
