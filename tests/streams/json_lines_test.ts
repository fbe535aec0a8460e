// forEachJsonLine, the one reader of JSON lines in production (pull, push, build, load): fed
// bytes cut anywhere, as a response body arrives.
import assert from "node:assert/strict";
import fc from "fast-check";
import { PodmanError } from "../../src/errors.ts";
import { forEachJsonLine } from "../../src/streams/json_lines.ts";

const encoder = new TextEncoder();

/** What forEachJsonLine gave for `chunks`: the values, and how often it called `alive`. */
async function parseChunks(
  chunks: Uint8Array[],
): Promise<{ values: unknown[]; alive: number }> {
  const values: unknown[] = [];
  let alive = 0;
  await forEachJsonLine(ReadableStream.from(chunks), "Cannot test", () => alive++, (value) => {
    values.push(value);
  });
  return { values, alive };
}

/** `bytes` cut at every point in `cuts` (modulo its length + 1; a cut twice is one cut). */
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.slice(start, point));
    start = point;
  }
  chunks.push(bytes.slice(start));
  return chunks;
}

/** Byte chunks of at most `size` bytes. */
function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
  return chunks;
}

// Strings of any code point, so that characters of two, three and four UTF-8 bytes get cut.
const jsonValue = fc.jsonValue({ stringUnit: "binary" });
const line = fc.oneof(
  { weight: 4, arbitrary: jsonValue.map((value) => ({ value, text: JSON.stringify(value) })) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "\t", "  \t ").map((text) => ({ text })) },
);
const newline = fc.constantFrom("\n", "\r\n");

Deno.test("forEachJsonLine() gives the same values for any chunking of the same bytes", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(line, newline), { maxLength: 20 }),
      fc.constantFrom("\n", "\r\n", ""),
      fc.array(fc.nat(), { maxLength: 30 }),
      async (lines, last, cuts) => {
        // Blank lines anywhere, mixed endings, and a last line with or without a newline.
        const text = lines
          .map(([{ text }, end], i) => text + (i === lines.length - 1 ? last : end))
          .join("");
        // JSON itself turns -0 into 0; compare with what JSON.parse makes of each line.
        const expected = lines.flatMap(([entry]) =>
          "value" in entry ? [JSON.parse(JSON.stringify(entry.value))] : []
        );
        const chunks = splitAt(encoder.encode(text), cuts);
        const { values, alive } = await parseChunks(chunks);
        assert.deepEqual(values, expected);
        assert.equal(alive, chunks.length);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("forEachJsonLine() reads characters of 2, 3 and 4 bytes cut at every byte", async () => {
  const value = { stream: "é€😀 ok" };
  const bytes = encoder.encode(JSON.stringify(value) + "\r\n");
  for (let cut = 0; cut <= bytes.length; cut++) {
    const { values } = await parseChunks([bytes.slice(0, cut), bytes.slice(cut)]);
    assert.deepEqual(values, [value], `cut at byte ${cut}`);
  }
  assert.deepEqual((await parseChunks(chunksOf(bytes, 1))).values, [value]);
});

Deno.test("forEachJsonLine() skips blank lines and reads a last line without a newline", async () => {
  const chunks = ['\n{"a":1}\r\n\n', "  \r\n", '{"b":', "2}"].map((text) => encoder.encode(text));
  assert.deepEqual((await parseChunks(chunks)).values, [{ a: 1 }, { b: 2 }]);
});

Deno.test("forEachJsonLine() gives nothing for no body", async () => {
  let called = 0;
  await forEachJsonLine(null, "Cannot test", () => called++, () => called++);
  assert.equal(called, 0);
});

Deno.test("forEachJsonLine() counts every chunk as life, in the middle of a line too", async () => {
  const events: string[] = [];
  const chunks = ['{"stream":', '"long', ' line"}\n{"a":1}', "\n"].map((text) =>
    encoder.encode(text)
  );
  await forEachJsonLine(ReadableStream.from(chunks), "Cannot test", () => events.push("alive"), (
    value,
  ) => events.push(JSON.stringify(value)));
  assert.deepEqual(events, [
    "alive",
    "alive",
    "alive",
    '{"stream":"long line"}',
    "alive",
    '{"a":1}',
  ]);
});

/** A body of `chunks` that records whether its reader cancelled it. */
function cancellableBody(
  chunks: string[],
): { body: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) return; // Stays open: only a cancel ends it.
      controller.enqueue(encoder.encode(chunk));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, cancelled: () => cancelled };
}

Deno.test("forEachJsonLine() fails with a PodmanError naming the action on a line that is not JSON, and cancels the body", async () => {
  const { body, cancelled } = cancellableBody(['{"a":1}\n', "not json\r\n", '{"b":2}\n']);
  const values: unknown[] = [];
  const error = await forEachJsonLine(body, "Cannot test", () => {}, (value) => values.push(value))
    .catch((e: unknown) => e);
  assert.ok(error instanceof PodmanError);
  assert.equal(error.message, "Cannot test: the server sent a line that is not JSON: not json");
  assert.deepEqual(values, [{ a: 1 }]);
  assert.ok(cancelled());
});

Deno.test("forEachJsonLine() cancels the body when onValue throws", async () => {
  const { body, cancelled } = cancellableBody(['{"a":1}\n{"b":2}\n']);
  const stop = new Error("stop");
  const error = await forEachJsonLine(body, "Cannot test", () => {}, () => {
    throw stop;
  }).catch((e: unknown) => e);
  assert.equal(error, stop);
  assert.ok(cancelled());
});

Deno.test("forEachJsonLine() reads a 10 MB line split into many chunks", async () => {
  const big = "x".repeat(10 * 1024 * 1024);
  const bytes = encoder.encode(JSON.stringify({ stream: big }) + "\n");
  const chunks = chunksOf(bytes, 65536);
  const { values, alive } = await parseChunks(chunks);
  const [value] = values as [{ stream: string }];
  assert.equal(value.stream.length, big.length);
  assert.equal(alive, chunks.length);
});
