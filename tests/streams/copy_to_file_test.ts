// copyToFile (src/streams/_copy_to_file.ts): what saveToFile writes with. Byte streams are
// read straight into its buffers, other streams copied; both must give the file every byte,
// in order, across the 1 MiB write boundary. A copied chunk is handed to `copied` only once
// the copy needs nothing of it: detached there, no byte is lost.
import assert from "node:assert/strict";
import fc from "fast-check";
import { copyToFile } from "../../src/streams/_copy_to_file.ts";

function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 10)) & 0xff;
  return bytes;
}

/** A stream of `data` in pieces of the given sizes; a byte stream (BYOB) when `bytes`. */
function streamOf(data: Uint8Array, pieces: number[], bytes: boolean): ReadableStream<Uint8Array> {
  let offset = 0;
  let turn = 0;
  const next = (): Uint8Array | undefined => {
    if (offset >= data.byteLength) return undefined;
    const size = Math.max(1, pieces[turn++ % pieces.length]!);
    const piece = data.slice(offset, offset + size);
    offset += piece.byteLength;
    return piece;
  };
  if (!bytes) {
    return new ReadableStream({
      pull(controller) {
        const piece = next();
        if (piece) controller.enqueue(piece);
        else controller.close();
      },
    });
  }
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const piece = next();
      const request = controller.byobRequest;
      if (!piece) {
        controller.close();
        request?.respond(0);
        return;
      }
      if (request?.view) {
        // Fill the reader's own buffer, as Deno's fetch body does.
        const view = new Uint8Array(
          request.view.buffer,
          request.view.byteOffset,
          request.view.byteLength,
        );
        const count = Math.min(view.byteLength, piece.byteLength);
        view.set(piece.subarray(0, count));
        offset -= piece.byteLength - count;
        request.respond(count);
      } else {
        controller.enqueue(piece);
      }
    },
  });
}

Deno.test("copyToFile() writes every byte in order, from byte streams and plain streams", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-copy-" });
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 * 1024 * 1024 + 5 }),
        fc.array(fc.integer({ min: 1, max: 700_000 }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        async (size, pieces, bytes) => {
          const data = pattern(size);
          const path = `${dir}/out.bin`;
          const file = await Deno.open(path, { write: true, create: true, truncate: true });
          const progress: number[] = [];
          let reads = 0;
          let copied = 0;
          const total = await copyToFile(streamOf(data, pieces, bytes), file, {
            read: () => reads++,
            written: (bytesSoFar) => progress.push(bytesSoFar),
            copied: (chunk) => {
              copied++;
              // What extract's release does: the chunk's memory is gone from here on.
              (chunk.buffer as ArrayBuffer).transfer(0);
            },
            readError: (error) => error as Error,
            writeError: (error) => error as Error,
          });
          file.close();
          assert.equal(total, size);
          assert.deepEqual(await Deno.readFile(path), data);
          assert.ok(progress.every((value, i) => i === 0 || value > progress[i - 1]!));
          assert.equal(progress.at(-1) ?? 0, size);
          assert.ok(size === 0 || reads > 0);
          assert.equal(copied, bytes ? 0 : reads, "every copied chunk, and only those");
          // Writes of a full MiB, except the last.
          assert.ok(progress.length <= Math.ceil(size / (1024 * 1024)) + 1);
        },
      ),
      { numRuns: 25 },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("copyToFile() throws its own error for a failed read and a failed write", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-copy-" });
  try {
    const path = `${dir}/out.bin`;
    await Deno.writeFile(path, new Uint8Array());
    const hooks = {
      read: () => {},
      written: () => {},
      readError: (error: unknown) => new Error(`read: ${(error as Error).message}`),
      writeError: () => new Error("write failed"),
    };
    // A file opened for reading only cannot be written.
    const readOnly = await Deno.open(path, { read: true });
    await assert.rejects(
      copyToFile(ReadableStream.from([pattern(10)]), readOnly, hooks),
      /write failed/,
    );
    readOnly.close();
    const file = await Deno.open(path, { write: true });
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(pattern(5));
        controller.error(new Error("connection reset"));
      },
    });
    await assert.rejects(copyToFile(broken, file, hooks), /read: connection reset/);
    file.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
