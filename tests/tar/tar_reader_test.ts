// The tar reader (src/tar/reader.ts) and safeEntryPath(): archives from podrx's writer, from GNU
// tar in each format, and one from Podman 5.8's artifact extract read back entry by entry,
// however the source's chunks fall; broken archives fail with the action in the message.
import assert from "node:assert/strict";
import fc from "fast-check";
import { PodmanError } from "../../src/errors.ts";
import {
  BLOCK_BYTES,
  encodeTarHeader,
  headerChecksum,
  type TarEntryHeader,
  USTAR_FIELDS,
} from "../../src/tar/header.ts";
import { readTar } from "../../src/tar/reader.ts";
import type { TarEntry } from "../../src/tar/tar_entry.ts";
import { safeEntryPath } from "../../src/tar/safe_entry_path.ts";
import { createTarWriter } from "../../src/tar/writer.ts";
import { entrySpecs, filled, specEntry } from "./_entries.ts";

const ACTION = 'Cannot extract artifact "t"';

/** What a test compares of an entry, its body read whole. */
interface Read {
  name: string;
  type: TarEntry["type"];
  size: number;
  mode: number;
  linkname?: string | undefined;
  bytes: Uint8Array;
}

async function readAll(source: ReadableStream<Uint8Array>): Promise<Read[]> {
  const entries: Read[] = [];
  for await (const entry of readTar(source, ACTION)) {
    entries.push({
      name: entry.name,
      type: entry.type,
      size: entry.size,
      mode: entry.mode,
      linkname: entry.linkname,
      bytes: await new Response(entry.body).bytes(),
    });
  }
  return entries;
}

/** A source giving `bytes` in pieces cut at `cuts`; `cancelled` records a cancel. */
function pieces(bytes: Uint8Array, cuts: number[] = []): {
  stream: ReadableStream<Uint8Array>;
  cancelled: { reason?: unknown; called: boolean };
} {
  const bounds = [0, ...cuts.filter((cut) => cut > 0 && cut < bytes.byteLength), bytes.byteLength]
    .sort((a, b) => a - b);
  const cancelled: { reason?: unknown; called: boolean } = { called: false };
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index + 1 >= bounds.length) return controller.close();
      controller.enqueue(bytes.slice(bounds[index], bounds[index + 1]));
      index++;
    },
    cancel(reason) {
      cancelled.called = true;
      cancelled.reason = reason;
    },
  }, { highWaterMark: 0 });
  return { stream, cancelled };
}

async function writeArchive(
  entries: { header: TarEntryHeader; body?: Uint8Array }[],
): Promise<Uint8Array> {
  const writer = createTarWriter();
  const archive = new Response(writer.readable).bytes();
  for (const { header, body } of entries) await writer.add(header, body);
  writer.finalize();
  return await archive;
}

/** Rewrites a header field of the block at `offset` and fixes its checksum. */
function patchHeader(archive: Uint8Array, offset: number, at: number, bytes: Uint8Array): void {
  const block = archive.subarray(offset, offset + BLOCK_BYTES);
  block.set(bytes, at);
  const checksum = `${headerChecksum(block).toString(8).padStart(6, "0")}\0 `;
  block.set(new TextEncoder().encode(checksum), USTAR_FIELDS.checksum.offset);
}

Deno.test("readTar() gives back what the writer wrote: names, kinds, modes, links and bytes", async () => {
  await fc.assert(
    fc.asyncProperty(
      entrySpecs(
        fc.oneof(fc.constant(0), fc.nat(3000), fc.integer({ min: 250_000, max: 600_000 })),
      ),
      async (specs) => {
        const archive = await writeArchive(specs.map(specEntry));
        const entries: Read[] = [];
        for await (const entry of readTar(pieces(archive).stream, ACTION)) {
          assert.equal(entry.mtime.getTime(), specs[entries.length]!.seconds * 1000);
          entries.push({ ...entry, bytes: await new Response(entry.body).bytes() });
        }
        assert.deepEqual(
          entries.map(({ name, type, size, mode, linkname, bytes }) => ({
            name,
            type,
            size,
            mode,
            linkname,
            bytes,
          })),
          specs.map((spec, index) => {
            const { header, body } = specEntry(spec, index);
            return {
              name: spec.name,
              type: spec.type,
              size: header.size,
              mode: spec.mode,
              linkname: header.linkname,
              bytes: body ?? new Uint8Array(0),
            };
          }),
        );
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("readTar() streams a 20 MiB entry: it reads the source only as the body is read", async () => {
  const size = 20 * 1024 * 1024 + 123;
  const piece = 64 * 1024;
  const writer = createTarWriter();
  const writing = (async () => {
    let sent = 0;
    // The body is made as the writer asks for it: nothing holds the 20 MiB.
    await writer.add(
      { name: "model/weights.bin", size },
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === size) return controller.close();
          const count = Math.min(piece, size - sent);
          const bytes = new Uint8Array(count);
          for (let i = 0; i < count; i++) bytes[i] = ((sent + i) * 7) & 0xff;
          sent += count;
          controller.enqueue(bytes);
        },
      }),
    );
    await writer.add({ name: "after.txt", size: 2 }, new TextEncoder().encode("ok"));
    writer.finalize();
  })();
  // Bytes the source gave, and bytes of the big body the caller has.
  let pulled = 0;
  let read = 0;
  const archive = writer.readable.getReader();
  const source = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await archive.read();
      if (done) return controller.close();
      pulled += value.byteLength;
      controller.enqueue(value);
    },
  }, { highWaterMark: 0 });

  const names: string[] = [];
  for await (const entry of readTar(source, ACTION)) {
    names.push(entry.name);
    if (entry.name !== "model/weights.bin") {
      assert.equal(await new Response(entry.body).text(), "ok");
      continue;
    }
    assert.equal(entry.size, size);
    let largest = 0;
    const take = (chunk: Uint8Array): void => {
      for (let i = 0; i < chunk.byteLength; i++) {
        if (chunk[i] !== ((read + i) * 7 & 0xff)) assert.fail(`byte ${read + i} differs`);
      }
      read += chunk.byteLength;
      largest = Math.max(largest, chunk.byteLength);
    };
    const reader = entry.body.getReader();
    take((await reader.read()).value!);
    // A turn of the event loop lets any reading ahead happen (it is all in memory): there must
    // be none, the source gave one chunk, header included.
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(pulled, read + BLOCK_BYTES);
    reader.releaseLock();
    for await (const chunk of entry.body) take(chunk);
    assert.equal(read, size);
    // The source's chunks (the writer's, 256 KiB) are passed on, not gathered.
    assert.ok(largest <= 256 * 1024, `a chunk of ${largest} bytes`);
  }
  await writing;
  assert.deepEqual(names, ["model/weights.bin", "after.txt"]);
});

/** Makes a tree of files in a temp directory and archives it with GNU tar in `format`. */
async function gnuTar(
  format: "pax" | "gnu" | "ustar" | "v7",
  files: { name: string; bytes?: Uint8Array; link?: string }[],
): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-tar-reader-" });
  try {
    for (const file of files) {
      const path = `${dir}/${file.name}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      if (file.link !== undefined) await Deno.symlink(file.link, path);
      else await Deno.writeFile(path, file.bytes ?? new Uint8Array(0), { mode: 0o640 });
    }
    const output = await new Deno.Command("tar", {
      args: [
        `--format=${format}`,
        "--sort=name",
        "--create",
        "--file=-",
        "--directory",
        dir,
        "--no-recursion",
        ...files.map((file) => file.name),
      ],
      // Names as they are: in the C locale GNU tar would refuse or mangle non-ASCII ones.
      env: { LC_ALL: "C.UTF-8" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    return output.stdout;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const longFiles = [
  { name: "a.txt", bytes: new TextEncoder().encode("hello") },
  { name: "empty", bytes: new Uint8Array(0) },
  { name: `${"d".repeat(60)}/${"e".repeat(60)}/${"f".repeat(110)}.bin`, bytes: filled(70_000, 1) },
  { name: "modèle/日本語-weights.bin", bytes: filled(1500, 2) },
  { name: "link", link: `${"t/".repeat(60)}target` },
  { name: "z-big.bin", bytes: filled(300_000, 3) },
];
// What ustar holds: paths up to 255 bytes split at a `/`, names and links up to 100.
const ustarFiles = [
  { name: "a.txt", bytes: new TextEncoder().encode("hello") },
  { name: `${"p".repeat(120)}/${"n".repeat(90)}.bin`, bytes: filled(513, 4) },
  { name: "modèle/日本語.bin", bytes: filled(1500, 2) },
  { name: "link", link: "a.txt" },
];

for (
  const [format, files] of [
    ["pax", longFiles],
    ["gnu", longFiles],
    ["ustar", ustarFiles],
    ["v7", ustarFiles.filter((file) => file.name.length < 100)],
  ] as const
) {
  Deno.test(`readTar() reads GNU tar's ${format} archives: the same names, links and bytes`, async () => {
    const entries = await readAll(pieces(await gnuTar(format, files)).stream);
    assert.deepEqual(
      entries.map(({ name, type, linkname, bytes }) => ({ name, type, linkname, bytes })),
      files.map((file) => ({
        name: file.name,
        type: file.link === undefined ? "file" : "symlink",
        linkname: file.link,
        bytes: file.bytes ?? new Uint8Array(0),
      })),
    );
    for (const entry of entries) if (entry.type === "file") assert.equal(entry.mode, 0o640);
  });
}

Deno.test("readTar() gives the same entries however the source's chunks are cut", async () => {
  // Small bodies, so that the headers are most of the bytes.
  const padded = await gnuTar(
    "pax",
    longFiles.map((file) => file.bytes ? { ...file, bytes: file.bytes.slice(0, 700) } : file),
  );
  // Without the zeros GNU tar pads its 10 KiB record with after the two end blocks.
  const last = padded.findLastIndex((byte) => byte !== 0);
  const small = padded.slice(0, Math.ceil((last + 1) / BLOCK_BYTES) * BLOCK_BYTES + 1024);
  const smallWhole = await readAll(pieces(small).stream);
  assert.equal(smallWhole.length, longFiles.length);
  // One cut at every byte...
  for (let cut = 1; cut < small.byteLength; cut++) {
    assert.deepEqual(await readAll(pieces(small, [cut]).stream), smallWhole, `cut at ${cut}`);
  }
  // ...and many cuts anywhere, some chunks of a byte, through bodies of all sizes.
  const archive = await gnuTar("pax", longFiles);
  const whole = await readAll(pieces(archive).stream);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.nat(archive.byteLength), { maxLength: 60 }),
      async (cuts) => assert.deepEqual(await readAll(pieces(archive, cuts).stream), whole),
    ),
    { numRuns: 100 },
  );
});

Deno.test("readTar() reads Podman 5.8's artifact extract: pax names, an empty file, odd modes", async () => {
  // Made with Podman 5.8.6: `podman artifact add localhost/fx:1 weights.bin empty.txt <long
  // non-ASCII name>.json`, then GET /libpod/artifacts/localhost%2Ffx:1/extract, gzipped.
  const fixture = await Deno.open(
    new URL("fixtures/podman_5.8_artifact_extract.tar.gz", import.meta.url),
  );
  const source = fixture.readable.pipeThrough(
    new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
  );
  const entries = await readAll(source);
  const weights = new Uint8Array(70_000);
  for (let i = 0; i < weights.byteLength; i++) weights[i] = (i * 31 + 7) & 0xff;
  assert.deepEqual(
    entries.map(({ name, type, size, bytes }) => ({ name, type, size, bytes })),
    [
      { name: "weights.bin", type: "file", size: 70_000, bytes: weights },
      { name: "empty.txt", type: "file", size: 0, bytes: new Uint8Array(0) },
      {
        name: `modèle-日本語-${"x".repeat(100)}.json`,
        type: "file",
        size: 8,
        bytes: new TextEncoder().encode('{"a":1}\n'),
      },
    ],
  );
  // Podman 5.8 writes the decimal 600 as the mode (0o1130), not 0o600: an extract must not
  // take the modes it sends as meant.
  assert.ok(entries.every((entry) => entry.mode === 0o1130));
});

/** A small archive of every kind of header, and where each entry's headers start. */
async function sample(): Promise<{ archive: Uint8Array; starts: number[]; end: number }> {
  const entries: { header: TarEntryHeader; body?: Uint8Array }[] = [
    { header: { name: `${"long/".repeat(30)}name-ü.bin`, size: 700 }, body: filled(700, 5) },
    { header: { name: "empty.txt", size: 0 }, body: new Uint8Array(0) },
    { header: { name: "dir/", type: "directory" } },
    { header: { name: "link", type: "symlink", linkname: `${"t/".repeat(60)}x` } },
    { header: { name: "last.bin", size: 512 }, body: filled(512, 6) },
  ];
  const starts: number[] = [];
  let offset = 0;
  for (const { header } of entries) {
    starts.push(offset);
    const size = header.size ?? 0;
    offset += encodeTarHeader(header).byteLength + Math.ceil(size / BLOCK_BYTES) * BLOCK_BYTES;
  }
  return { archive: await writeArchive(entries), starts, end: offset };
}

Deno.test("readTar() fails a truncated archive with the action, and ends cleanly between entries", async () => {
  const { archive, starts, end } = await sample();
  const whole = await readAll(pieces(archive).stream);
  // Cut where an entry's headers start, or where the end blocks are (all, one, none).
  const clean = new Set([...starts, end, end + BLOCK_BYTES, archive.byteLength]);
  for (let cut = 0; cut < archive.byteLength; cut++) {
    const source = pieces(archive.slice(0, cut), [cut >> 1]).stream;
    if (clean.has(cut)) {
      const count = cut >= end ? whole.length : starts.indexOf(cut);
      assert.deepEqual(await readAll(source), whole.slice(0, count), `cut at ${cut}`);
      continue;
    }
    await assert.rejects(
      readAll(source),
      (error: Error) => {
        assert.ok(error instanceof PodmanError, `cut at ${cut}: ${error}`);
        assert.match(
          error.message,
          /^Cannot extract artifact "t": the archive is truncated: it ends /,
        );
        return true;
      },
    );
  }
});

Deno.test("readTar() names the entry and how short it is when the archive ends inside a body", async () => {
  const archive = await writeArchive([{
    header: { name: "w.bin", size: 5000 },
    body: filled(5000, 0),
  }]);
  const entries = readTar(pieces(archive.slice(0, 512 + 3000)).stream, ACTION);
  const entry = (await entries.next()).value as TarEntry;
  const error = await new Response(entry.body).bytes().catch((error) => error);
  assert.ok(error instanceof PodmanError);
  assert.equal(
    error.message,
    `${ACTION}: the archive is truncated: it ends inside the body of "w.bin", 2000 bytes short`,
  );
  // The iteration fails with it too.
  await assert.rejects(entries.next(), (next) => next === error);
});

Deno.test("readTar() fails a header whose checksum does not match, or whose size is no number", async () => {
  const { archive, starts } = await sample();
  const flipped = archive.slice();
  flipped[starts[1]! + 3]! ^= 0x01; // a letter of "empty.txt"
  await assert.rejects(
    readAll(pieces(flipped).stream),
    new RegExp(
      `^PodmanError: ${ACTION}: the archive is corrupt: the header at byte ${
        starts[1]
      } has a bad checksum`,
    ),
  );
  const notANumber = archive.slice();
  patchHeader(
    notANumber,
    starts[1]!,
    USTAR_FIELDS.size.offset,
    new TextEncoder().encode("0000000012x"),
  );
  await assert.rejects(
    readAll(pieces(notANumber).stream),
    (error: Error) =>
      error instanceof PodmanError &&
      error.message ===
        `${ACTION}: the archive is corrupt: the size field of "empty.txt" (header ` +
          `at byte ${starts[1]}) is not a number: "0000000012x"`,
  );
});

Deno.test("readTar() reads base-256 sizes, pax sizes, and passes over global pax headers", async () => {
  const body = filled(700, 9);
  const archive = await writeArchive([{ header: { name: "a.bin", size: 700 }, body }]);
  // GNU tar and Go write sizes of 8 GiB and more in base-256: the top bit, then big-endian.
  const base256 = new Uint8Array(12);
  base256[0] = 0x80;
  base256[10] = 700 >> 8;
  base256[11] = 700 & 0xff;
  const big = archive.slice();
  patchHeader(big, 0, USTAR_FIELDS.size.offset, base256);
  assert.deepEqual((await readAll(pieces(big).stream))[0]!.bytes, body);

  // A pax `size` record overrides the ustar field (0 here), as for sizes ustar cannot hold; a
  // global header before it is passed over.
  const record = (type: string, text: string): Uint8Array => {
    const bytes = new TextEncoder().encode(text);
    const padded = new Uint8Array(BLOCK_BYTES + Math.ceil(bytes.byteLength / 512) * 512);
    padded.set(encodeTarHeader({ name: "PaxHeaders/a.bin", size: bytes.byteLength }));
    patchHeader(padded, 0, USTAR_FIELDS.typeFlag.offset, new TextEncoder().encode(type));
    padded.set(bytes, BLOCK_BYTES);
    return padded;
  };
  const ustar = archive.slice(0, BLOCK_BYTES);
  patchHeader(ustar, 0, USTAR_FIELDS.size.offset, new TextEncoder().encode("00000000000"));
  const parts = [
    record("g", "19 comment=global!\n"),
    record("x", "12 size=700\n29 path=from-pax/ü-name.bin\n"),
    ustar,
    archive.slice(BLOCK_BYTES),
  ];
  const paxed = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  parts.reduce((offset, part) => (paxed.set(part, offset), offset + part.byteLength), 0);
  const [entry] = await readAll(pieces(paxed).stream);
  assert.equal(entry!.name, "from-pax/ü-name.bin");
  assert.deepEqual(entry!.bytes, body);

  const malformed = paxed.slice();
  malformed.set(new TextEncoder().encode("99"), parts[0]!.byteLength + BLOCK_BYTES);
  await assert.rejects(
    readAll(pieces(malformed).stream),
    new RegExp(
      `^PodmanError: ${ACTION}: the archive is corrupt: the extended header at byte 1024 has a ` +
        `malformed pax record at byte 0: "99 size=700`,
    ),
  );
});

Deno.test("readTar() ends at a lone zero block, and fails one followed by a header", async () => {
  const { archive, end } = await sample();
  assert.equal((await readAll(pieces(archive.slice(0, end + BLOCK_BYTES)).stream)).length, 5);
  const gap = new Uint8Array(archive.byteLength + BLOCK_BYTES);
  gap.set(archive.subarray(0, BLOCK_BYTES + 1024), BLOCK_BYTES * 1);
  gap.fill(0, 0, BLOCK_BYTES);
  await assert.rejects(
    readAll(pieces(gap).stream),
    /a lone zero block at byte 0 is followed by a header/,
  );
});

Deno.test("readTar() cancels the source when the iteration stops early", async () => {
  const { archive } = await sample();
  // The source never ends: only a cancel releases it.
  const source = pieces(archive.slice(0, 2048));
  for await (const entry of readTar(source.stream, ACTION)) {
    assert.ok(entry.name.startsWith("long/"));
    break;
  }
  assert.ok(source.cancelled.called, "the source was not cancelled");
});

Deno.test("readTar() cancels the source when a body is cancelled; the iteration then fails", async () => {
  const { archive } = await sample();
  const source = pieces(archive, [1536 + 100]);
  const entries = readTar(source.stream, ACTION);
  const entry = (await entries.next()).value as TarEntry;
  const reader = entry.body.getReader();
  // The first 100 bytes of 700 (the chunk ends there).
  assert.equal((await reader.read()).value?.byteLength, 100);
  await reader.cancel(new Error("the disk is full"));
  assert.ok(source.cancelled.called, "the source was not cancelled");
  await assert.rejects(
    entries.next(),
    new RegExp(`^PodmanError: ${ACTION}: the archive was cancelled with the body of "long/`),
  );
});

Deno.test("readTar() fails a body still being read when the iteration is returned", async () => {
  const archive = await writeArchive([{
    header: { name: "w.bin", size: 5000 },
    body: filled(5000, 0),
  }]);
  const source = pieces(archive, [1000]);
  const entries = readTar(source.stream, ACTION);
  const entry = (await entries.next()).value as TarEntry;
  const reader = entry.body.getReader();
  assert.equal((await reader.read()).value?.byteLength, 1000 - BLOCK_BYTES);
  await entries.return!();
  assert.ok(source.cancelled.called);
  await assert.rejects(reader.read(), /the archive was closed before "w\.bin" was read to its end/);
  assert.deepEqual(await entries.next(), { done: true, value: undefined });
});

Deno.test("readTar() skips bodies left unread; such a body read later fails", async () => {
  const { archive } = await sample();
  const entries: TarEntry[] = [];
  for await (const entry of readTar(pieces(archive, [700, 1500]).stream, ACTION)) {
    entries.push(entry);
  }
  assert.deepEqual(entries.map((entry) => entry.type), [
    "file",
    "file",
    "directory",
    "symlink",
    "file",
  ]);
  await assert.rejects(
    new Response(entries[0]!.body).bytes(),
    /: the body of "long\/.*" was skipped: the next entry was read before it$/,
  );
  // Empty bodies are over before anything is read.
  assert.equal((await new Response(entries[1]!.body).bytes()).byteLength, 0);
});

Deno.test("readTar() hands out body chunks a caller may transfer", async () => {
  const { archive } = await sample();
  const whole = (await readAll(pieces(archive).stream)).map((entry) => entry.bytes);
  // Bodies share their chunks with the headers around them: the whole archive in one chunk,
  // and cut once anywhere (also where a body ends).
  for (let cut = 0; cut < archive.byteLength; cut++) {
    const bodies: Uint8Array[] = [];
    for await (const entry of readTar(pieces(archive, [cut]).stream, ACTION)) {
      const parts: Uint8Array<ArrayBuffer>[] = [];
      for await (const chunk of entry.body) {
        // As a byte stream's enqueue() would: the caller now owns the buffer, the view is empty.
        const buffer = chunk.buffer as ArrayBuffer;
        parts.push(structuredClone(chunk as Uint8Array<ArrayBuffer>, { transfer: [buffer] }));
      }
      bodies.push(new Uint8Array(await new Blob(parts).arrayBuffer()));
    }
    assert.deepEqual(bodies, whole, `cut at ${cut}`);
  }
});

Deno.test("readTar() fails with the source's failure, named by the action", async () => {
  const { archive } = await sample();
  const failing = (reason: unknown) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(archive.slice(0, 1000));
      },
      pull(controller) {
        controller.error(reason);
      },
    });
  await assert.rejects(readAll(failing(new Error("connection reset"))), (error: Error) => {
    assert.ok(error instanceof PodmanError);
    assert.equal(error.message, `${ACTION}: cannot read the archive: connection reset`);
    assert.equal((error.cause as Error).message, "connection reset");
    return true;
  });
  // podrx's own errors (a broken connection, a timeout) pass as they are.
  const broken = new PodmanError("Cannot extract artifact: the connection to Podman broke");
  await assert.rejects(readAll(failing(broken)), (error) => error === broken);
});

Deno.test("safeEntryPath() refuses names that leave the directory, and tidies the others", () => {
  for (
    const name of [
      "../x",
      "/etc/passwd",
      "a/../../b",
      "a/..",
      "..",
      "a\\..\\..\\b",
      "C:/x",
      "a\0b",
      "",
      ".",
      "./",
    ]
  ) {
    assert.throws(
      () => safeEntryPath(name, ACTION),
      (error: Error) =>
        error instanceof PodmanError &&
        error.message.startsWith(
          `${ACTION}: the archive's entry ${JSON.stringify(name)} is refused: `,
        ),
      name,
    );
  }
  assert.equal(safeEntryPath("model/weights.bin", ACTION), "model/weights.bin");
  assert.equal(safeEntryPath("./model//dir/", ACTION), "model/dir");
  assert.equal(safeEntryPath("modèle/..weights", ACTION), "modèle/..weights");
});
