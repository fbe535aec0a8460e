// onBodyEnd (src/streams/_on_body_end.ts): every response of PodmanClient.request goes through
// it, and its end gives the request's connection place back. Whatever way the body is read
// (whole, BYOB, default reader, over a byte stream or not), every byte must arrive in order,
// the end must come exactly once, and an abort must end a read that the server leaves waiting.
import { concatBytes } from "../../src/bytes/concat_bytes.ts";
import assert from "node:assert/strict";
import fc from "fast-check";
import { onBodyEnd, pipeBody } from "../../src/streams/_on_body_end.ts";

function pattern(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 13 + (i >> 9)) & 0xff;
  return bytes;
}

/** `data` in pieces of the given sizes, as a byte stream (as fetch bodies are) or not. */
function source(
  data: Uint8Array,
  pieces: number[],
  bytes: boolean,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  let offset = 0;
  let turn = 0;
  const next = (): Uint8Array<ArrayBuffer> | undefined => {
    if (offset >= data.byteLength) return undefined;
    const piece = data.slice(offset, offset + Math.max(1, pieces[turn++ % pieces.length]!));
    offset += piece.byteLength;
    return piece;
  };
  const pull = (controller: ReadableStreamDefaultController | ReadableByteStreamController) => {
    const piece = next();
    if (piece) return controller.enqueue(piece);
    controller.close();
    // A byte source answers a waiting BYOB read of the end with respond(0), as fetch's do.
    if ("byobRequest" in controller) controller.byobRequest?.respond(0);
  };
  return bytes
    ? new ReadableStream({ type: "bytes", pull })
    : new ReadableStream<Uint8Array<ArrayBuffer>>({ pull });
}

/** A body that sends nothing until cancelled; `cancelled` resolves with the reason. */
function silentSource(): { stream: ReadableStream<Uint8Array>; cancelled: Promise<unknown> } {
  let cancelled!: (reason: unknown) => void;
  const promise = new Promise<unknown>((resolve) => cancelled = resolve);
  const stream = new ReadableStream<Uint8Array>({
    type: "bytes",
    pull: () => new Promise<void>(() => {}),
    cancel: (reason) => cancelled(reason),
  });
  return { stream, cancelled: promise };
}

/** Fails instead of hanging: a read that never settles is the defect these tests look for. */
function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function readByob(body: ReadableStream<Uint8Array>, viewSize: number): Promise<Uint8Array> {
  const reader = body.getReader({ mode: "byob" });
  const parts: Uint8Array[] = [];
  let buffer = new ArrayBuffer(viewSize);
  while (true) {
    const { done, value } = await within(reader.read(new Uint8Array(buffer)), "BYOB read");
    if (done) break;
    parts.push(value.slice());
    buffer = value.buffer as ArrayBuffer;
  }
  return concatBytes(parts);
}

async function readDefault(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  while (true) {
    const { done, value } = await within(reader.read(), "read");
    if (done) break;
    parts.push(value);
  }
  return concatBytes(parts);
}

/**
 * One read with a reader of one kind, then the rest with the other kind: the stream picks how
 * it reads its source from the first reader, and must still serve the second.
 */
async function readSwitching(
  body: ReadableStream<Uint8Array>,
  first: "byob" | "default",
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const opening = first === "byob" ? body.getReader({ mode: "byob" }) : body.getReader();
  const { done, value } = await within(
    opening instanceof ReadableStreamBYOBReader
      ? opening.read(new Uint8Array(3000))
      : opening.read(),
    "first read",
  );
  opening.releaseLock();
  if (done) return new Uint8Array();
  parts.push(value.slice());
  parts.push(first === "byob" ? await readDefault(body) : await readByob(body, 1000));
  return concatBytes(parts);
}

Deno.test("onBodyEnd: every way of reading gives every byte in order and ends exactly once", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 200_000 }),
      fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 5 }),
      fc.boolean(),
      fc.constantFrom(
        "byob-small",
        "byob-big",
        "default",
        "whole",
        "byob-then-default",
        "default-then-byob",
      ),
      async (size, pieces, bytes, how) => {
        const data = pattern(size);
        let ends = 0;
        const response = onBodyEnd(
          new Response(source(data, pieces, bytes)),
          new AbortController().signal,
          () => ends++,
        );
        const read = how === "whole"
          ? new Uint8Array(await within(response.arrayBuffer(), "arrayBuffer()"))
          : how === "default"
          ? await readDefault(response.body!)
          : how === "byob-then-default"
          ? await readSwitching(response.body!, "byob")
          : how === "default-then-byob"
          ? await readSwitching(response.body!, "default")
          : await readByob(response.body!, how === "byob-big" ? 1 << 20 : 1000);
        assert.deepEqual(read, data);
        assert.equal(ends, 1);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("onBodyEnd: text() and json() read whole and end once", async () => {
  let ends = 0;
  const json = JSON.stringify({ Id: "a".repeat(64), RepoTags: ["x:1"] });
  const signal = new AbortController().signal;
  const text = onBodyEnd(new Response(json), signal, () => ends++);
  assert.equal(await text.text(), json);
  const parsed = onBodyEnd(new Response(json), signal, () => ends++);
  assert.deepEqual(await parsed.json(), JSON.parse(json));
  assert.equal(ends, 2);
});

Deno.test("onBodyEnd: an abort ends a whole read the server leaves waiting, with its reason", async () => {
  // PodmanClient gives fetch and onBodyEnd the same signal; fetch's abort ends the runtime's
  // own read and closes the connection, which the server sees as its body cancelled.
  let cancelled!: (reason: unknown) => void;
  const serverSawCancel = new Promise<unknown>((resolve) => cancelled = resolve);
  await using server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () =>
      new Response(
        new ReadableStream({ pull: () => new Promise<void>(() => {}), cancel: () => cancelled(1) }),
      ),
  );
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${server.addr.port}/`, {
    signal: controller.signal,
  });
  let ends = 0;
  const reading = onBodyEnd(response, controller.signal, () => ends++).text();
  const reason = new Error("the client was closed");
  controller.abort(reason);
  await assert.rejects(within(reading, "text() after abort"), (error) => error === reason);
  assert.equal(ends, 1);
  await within(serverSawCancel, "the server's body cancelled");
});

Deno.test("onBodyEnd: an abort errors a streamed body mid-read and cancels the source", async () => {
  const { stream, cancelled } = silentSource();
  const controller = new AbortController();
  let ends = 0;
  const response = onBodyEnd(new Response(stream), controller.signal, () => ends++);
  const reader = response.body!.getReader({ mode: "byob" });
  const reading = reader.read(new Uint8Array(1024));
  const reason = new Error("aborted by the caller");
  controller.abort(reason);
  await assert.rejects(within(reading, "read after abort"), (error) => error === reason);
  assert.equal(await within(cancelled, "cancel of the source"), reason);
  assert.equal(ends, 1);
});

Deno.test("onBodyEnd: cancelling the body ends once and cancels the source", async () => {
  const { stream, cancelled } = silentSource();
  let ends = 0;
  const response = onBodyEnd(new Response(stream), new AbortController().signal, () => ends++);
  await response.body!.cancel("enough");
  assert.equal(await within(cancelled, "cancel of the source"), "enough");
  assert.equal(ends, 1);
});

Deno.test("onBodyEnd: a signal aborted already fails every read at once", async () => {
  const reason = new Error("closed before the answer");
  const controller = new AbortController();
  controller.abort(reason);
  let ends = 0;
  const whole = onBodyEnd(new Response("data"), controller.signal, () => ends++);
  await assert.rejects(whole.text(), (error) => error === reason);
  const streamed = onBodyEnd(new Response("data"), controller.signal, () => ends++);
  await assert.rejects(streamed.body!.getReader().read(), (error) => error === reason);
  assert.equal(ends, 2);
});

Deno.test("onBodyEnd: a response without a body ends at once; status, headers and url stay", async () => {
  let ends = 0;
  const empty = onBodyEnd(new Response(null, { status: 204 }), new AbortController().signal, () => {
    ends++;
  });
  assert.equal(ends, 1);
  assert.equal(empty.status, 204);

  const original = new Response("x", { status: 201, headers: { "Libpod-API-Version": "4.3.1" } });
  Object.defineProperty(original, "url", { value: "http://libpod/v4.3.1/libpod/images/x/json" });
  const wrapped = onBodyEnd(original, new AbortController().signal, () => {});
  assert.equal(wrapped.status, 201);
  assert.equal(wrapped.headers.get("libpod-api-version"), "4.3.1");
  assert.equal(wrapped.url, "http://libpod/v4.3.1/libpod/images/x/json");
  assert.equal(await wrapped.text(), "x");
});

Deno.test("pipeBody: pipes every byte in order and ends once; an abort cancels the source and fails with its reason", async () => {
  const data = pattern(300_000);
  const written: number[] = [];
  const sink = () =>
    new WritableStream<Uint8Array>({ write: (chunk) => void written.push(...chunk) });
  let ends = 0;
  const piped = onBodyEnd(
    new Response(source(data, [7_000, 65_536, 1], true)),
    new AbortController().signal,
    () => ends++,
  );
  await pipeBody(piped, sink());
  assert.deepEqual(new Uint8Array(written), data);
  assert.equal(ends, 1);

  const controller = new AbortController();
  const silent = silentSource();
  const waiting = onBodyEnd(new Response(silent.stream), controller.signal, () => ends++);
  const pipe = pipeBody(waiting, sink());
  const reason = new Error("stop");
  controller.abort(reason);
  await assert.rejects(within(pipe, "the aborted pipe"), (error) => error === reason);
  assert.equal(await within(silent.cancelled, "the source's cancel"), reason);
  assert.equal(ends, 2);
});
