// fileUploader (src/artifacts/operations/_file_upload.ts): the body add() sends. A byte
// stream's chunks (a file's, a Blob's, a caller's byte stream) are given back once fetch asks
// for the next; chunks that may be the caller's own bytes never are.
import assert from "node:assert/strict";
import { fileUploader } from "../../src/artifacts/operations/_file_upload.ts";

/** Reads the body as fetch does, one chunk at a time; returns the chunks read. */
async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

Deno.test("fileUploader() gives a byte stream's chunks back once fetch has them", async () => {
  const sent: number[] = [];
  const source = new ReadableStream({
    type: "bytes",
    start(controller) {
      for (const size of [3, 2, 1]) controller.enqueue(new Uint8Array(size).fill(size));
      controller.close();
    },
  });
  const upload = await fileUploader(source, "add")((bytes) => sent.push(bytes));
  const reader = upload.body.getReader();
  const first = (await reader.read()).value!;
  assert.deepEqual(first, new Uint8Array([3, 3, 3]));
  assert.equal(first.buffer.detached, false, "not before fetch asks for the next");
  await reader.read();
  assert.equal(first.buffer.detached, true);
  await reader.read();
  assert.equal((await reader.read()).done, true);
  assert.deepEqual(sent, [3, 2, 1]);
  await upload.release();
});

Deno.test("fileUploader() leaves bytes and a plain stream's chunks alone", async () => {
  const bytes = new Uint8Array(3 * 1024 * 1024).fill(7);
  const upload = await fileUploader(bytes, "add")(() => {});
  assert.equal((await readAll(upload.body)).length, 3);
  assert.equal(bytes.buffer.detached, false);
  assert.equal(bytes.byteLength, 3 * 1024 * 1024);

  const mine = [new Uint8Array([1, 2]), new Uint8Array([3])];
  const plain = await fileUploader(ReadableStream.from(mine), "add")(() => {});
  assert.deepEqual(await readAll(plain.body), mine);
  assert.ok(mine.every((chunk) => !chunk.buffer.detached));
});

Deno.test("fileUploader() sends a file whole, its chunks given back as they go", async () => {
  const path = await Deno.makeTempFile();
  try {
    const data = crypto.getRandomValues(new Uint8Array(65_536));
    const whole = new Uint8Array(5 * data.byteLength);
    for (let i = 0; i < 5; i++) whole.set(data, i * data.byteLength);
    await Deno.writeFile(path, whole);
    const upload = await fileUploader(path, "add")(() => {});
    const reader = upload.body.getReader();
    const received = new Uint8Array(whole.byteLength);
    let offset = 0;
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // What fetch does with a chunk before it asks for the next: send it.
      received.set(value, offset);
      offset += value.byteLength;
      chunks.push(value);
    }
    assert.equal(offset, whole.byteLength);
    assert.deepEqual(received, whole);
    assert.ok(chunks.length > 1 && chunks.every((chunk) => (chunk.buffer as ArrayBuffer).detached));
    await upload.release();
  } finally {
    await Deno.remove(path);
  }
});
