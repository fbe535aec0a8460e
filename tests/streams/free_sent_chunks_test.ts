// freeingSentChunks (src/streams/_free_sent_chunks.ts): a chunk's memory is released only once
// the next chunk is asked for, and what the reader got before that is intact. hasOwnChunks:
// only a byte stream's chunks are the reader's alone.
import assert from "node:assert/strict";
import { freeingSentChunks, hasOwnChunks } from "../../src/streams/_free_sent_chunks.ts";

Deno.test("freeingSentChunks() detaches a chunk when the next is read, never before", async () => {
  const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5]), new Uint8Array([6])];
  const reader = freeingSentChunks(ReadableStream.from(chunks)).getReader();
  const first = await reader.read();
  assert.deepEqual(first.value, new Uint8Array([1, 2, 3]));
  assert.equal(chunks[0]!.buffer.detached, false);
  const second = await reader.read();
  assert.equal(chunks[0]!.buffer.detached, true, "the first chunk is released");
  assert.deepEqual(second.value, new Uint8Array([4, 5]));
  assert.equal(chunks[1]!.buffer.detached, false);
  assert.deepEqual((await reader.read()).value, new Uint8Array([6]));
  assert.equal((await reader.read()).done, true);
  assert.equal(chunks[2]!.buffer.detached, true);
});

Deno.test("freeingSentChunks() leaves shared memory alone and passes cancel on", async () => {
  const shared = new Uint8Array(new SharedArrayBuffer(4));
  let cancelled: unknown;
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(shared);
      controller.enqueue(new Uint8Array(1));
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const reader = freeingSentChunks(source).getReader();
  await reader.read();
  await reader.read();
  assert.equal(shared.byteLength, 4);
  await reader.cancel("done here");
  assert.equal(cancelled, "done here");
});

Deno.test("hasOwnChunks() is true for a byte stream only, and leaves the stream unlocked", async () => {
  const kept = new Uint8Array([1, 2, 3]);
  const bytes = new ReadableStream({
    type: "bytes",
    start(controller) {
      controller.enqueue(kept);
      controller.close();
    },
  });
  assert.equal(hasOwnChunks(bytes), true);
  assert.equal(bytes.locked, false);
  // What makes it safe: the byte stream took the buffer over, its source holds nothing.
  assert.equal(kept.buffer.detached, true);
  const { value } = await bytes.getReader().read();
  assert.deepEqual(value, new Uint8Array([1, 2, 3]));

  const plain = ReadableStream.from([new Uint8Array([4])]);
  assert.equal(hasOwnChunks(plain), false);
  assert.equal(plain.locked, false);
  assert.equal(hasOwnChunks((await fetch("data:,x")).body!), true);
});
