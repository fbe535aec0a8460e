import assert from "node:assert/strict";
import fc from "fast-check";
import { PodmanError } from "../../src/errors.ts";
import { JsonLinesStream } from "../../src/streams/json_lines.ts";

async function parseChunks(chunks: string[]): Promise<unknown[]> {
  const values: unknown[] = [];
  const source = ReadableStream.from(chunks).pipeThrough(new JsonLinesStream("Cannot test"));
  for await (const value of source) values.push(value);
  return values;
}

function splitAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(text.slice(start, point));
    start = point;
  }
  chunks.push(text.slice(start));
  return chunks;
}

const jsonValue = fc.jsonValue();

Deno.test("JsonLinesStream gives the same values for any chunking of the same text", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(jsonValue, { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.constantFrom("\n", "\r\n"),
      async (values, cuts, newline) => {
        const text = values.map((value) => JSON.stringify(value)).join(newline) + newline;
        // JSON itself turns -0 into 0; compare with what JSON.parse makes of each line.
        const expected = values.map((value) => JSON.parse(JSON.stringify(value)));
        assert.deepEqual(await parseChunks(splitAt(text, cuts)), expected);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("JsonLinesStream skips blank lines and reads a last line without a newline", async () => {
  assert.deepEqual(await parseChunks(['\n{"a":1}\n\n', "  \n", '{"b":', "2}"]), [{ a: 1 }, {
    b: 2,
  }]);
});

Deno.test("JsonLinesStream fails with a PodmanError naming the action on a line that is not JSON", async () => {
  const error = await parseChunks(['{"a":1}\n', "not json\n"]).catch((e: unknown) => e);
  assert.ok(error instanceof PodmanError);
  assert.equal(error.message, "Cannot test: the server sent a line that is not JSON: not json");
});

Deno.test("JsonLinesStream reads a 10 MB line split into many chunks", async () => {
  const big = "x".repeat(10 * 1024 * 1024);
  const text = JSON.stringify({ stream: big }) + "\n";
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += 65536) chunks.push(text.slice(i, i + 65536));
  const [value] = await parseChunks(chunks) as [{ stream: string }];
  assert.equal(value.stream.length, big.length);
});
