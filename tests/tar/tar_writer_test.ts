// The tar writer (src/tar/writer.ts) on its own: what goes in comes back out, however the entries'
// sizes make the packer's pieces fall against the chunks the writer joins them into.
import assert from "node:assert/strict";
import fc from "fast-check";
import { createTarWriter } from "../../src/tar/writer.ts";
import { entrySpecs, filled, specEntry } from "./_entries.ts";
import { readTarEntries } from "./_reader.ts";

Deno.test("createTarWriter() gives back every entry and byte, small and big, bytes or streams", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          // Tiny bodies, bodies around the joined chunk's size, and bodies bigger than it.
          size: fc.oneof(fc.nat(2048), fc.integer({ min: 120_000, max: 300_000 })),
          streamed: fc.boolean(),
          piece: fc.integer({ min: 1, max: 70_000 }),
        }),
        { minLength: 1, maxLength: 12 },
      ),
      async (specs) => {
        const writer = createTarWriter();
        const chunks: number[] = [];
        const archive = new Response(
          writer.readable.pipeThrough(
            new TransformStream<Uint8Array, Uint8Array>({
              transform(chunk, controller) {
                chunks.push(chunk.byteLength);
                controller.enqueue(chunk);
              },
            }),
          ),
        ).bytes();
        const bodies = specs.map((spec, index) => filled(spec.size, index));
        for (const [index, spec] of specs.entries()) {
          const body = bodies[index]!;
          const name = `f${index}.bin`;
          if (!spec.streamed) {
            await writer.add({ name, size: spec.size }, body);
            continue;
          }
          let offset = 0;
          const stream = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (offset >= body.byteLength) return controller.close();
              controller.enqueue(body.slice(offset, offset + spec.piece));
              offset += spec.piece;
            },
          });
          await writer.add({ name, size: spec.size }, stream);
        }
        writer.finalize();
        const entries = await readTarEntries(await archive);
        assert.deepEqual(entries.map((entry) => entry.name), specs.map((_, i) => `f${i}.bin`));
        entries.forEach((entry, index) => assert.deepEqual(entry.data, bodies[index]));
        assert.ok(chunks.every((size) => size > 0), "no empty chunks");
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("createTarWriter() joins the pieces of many small entries into few chunks", async () => {
  const writer = createTarWriter();
  const chunks: number[] = [];
  const done = (async () => {
    for await (const chunk of writer.readable) chunks.push(chunk.byteLength);
  })();
  for (let index = 0; index < 2000; index++) {
    await writer.add({ name: `f${index}`, size: 100 }, filled(100, index));
  }
  writer.finalize();
  await done;
  // 2,000 headers, bodies and paddings are 6,000 pieces; 1 MiB of archive in all.
  const total = chunks.reduce((sum, size) => sum + size, 0);
  assert.equal(total, 2000 * 1024 + 1024);
  assert.ok(chunks.length <= 16, `${chunks.length} chunks`);
});

Deno.test("tar headers round-trip long, nested and non-ASCII names, link targets and big ids", async () => {
  await fc.assert(
    fc.asyncProperty(
      entrySpecs(fc.nat(3000)),
      async (specs) => {
        const writer = createTarWriter();
        const archive = new Response(writer.readable).bytes();
        for (const [index, spec] of specs.entries()) {
          const { header, body } = specEntry(spec, index);
          await writer.add(header, body);
        }
        writer.finalize();
        const entries = await readTarEntries(await archive);
        assert.equal(entries.length, specs.length);
        entries.forEach((entry, index) => {
          const spec = specs[index]!;
          assert.equal(entry.name, spec.name);
          assert.equal(entry.type, spec.type);
          assert.equal(entry.mode, spec.mode);
          assert.equal(entry.uid, spec.uid);
          assert.equal(entry.gid, spec.uid);
          assert.equal(entry.mtime.getTime(), spec.seconds * 1000);
          if (spec.type === "symlink") assert.equal(entry.linkname, spec.linkname);
          if (spec.type === "file") assert.deepEqual(entry.data, filled(spec.size, index));
        });
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("GNU tar reads the names, links and sizes the writer wrote", async () => {
  const long = `${"deep/".repeat(40)}file-${"ü".repeat(30)}.txt`;
  const entries = [
    { name: "short.txt", size: 5 },
    { name: `${"p".repeat(150)}/${"n".repeat(99)}`, size: 700 },
    { name: long, size: 1 },
    { name: "link", type: "symlink" as const, linkname: `${"t/".repeat(80)}target` },
  ];
  const writer = createTarWriter();
  const archive = new Response(writer.readable).bytes();
  for (const [index, entry] of entries.entries()) {
    await writer.add(entry, entry.size === undefined ? undefined : filled(entry.size, index));
  }
  writer.finalize();
  const listing = await new Deno.Command("tar", {
    args: ["--list", "--verbose", "--numeric-owner", "--file", "-"],
    // Names as they are: in the C locale GNU tar would print non-ASCII bytes as escapes.
    env: { LC_ALL: "C.UTF-8" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writing = (async () => {
    const stdin = listing.stdin.getWriter();
    await stdin.write(await archive);
    await stdin.close();
  })();
  const [output] = await Promise.all([listing.output(), writing]);
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, / 5 .* short\.txt$/);
  assert.ok(lines[1]!.endsWith(` ${entries[1]!.name}`), lines[1]);
  assert.ok(lines[2]!.endsWith(` ${long}`), lines[2]);
  assert.ok(lines[3]!.endsWith(` link -> ${entries[3]!.linkname}`), lines[3]);
});
