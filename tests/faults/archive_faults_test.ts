// save and load against a fake server: broken and error-carrying answers, silence, a slow reader.
import assert from "node:assert/strict";
import { lastValueFrom, timeout, TimeoutError, toArray } from "rxjs";
import { APIError, PodmanError } from "../../mod.ts";
import { silentBody, startFakePodman } from "../fake/fake_podman.ts";

const ID = "e".repeat(64);
const IMAGE = { Id: ID, RepoTags: ["localhost/x:1"] };

/** A body of `total` bytes made on demand, so the server holds only what the socket takes. */
function lazyBytes(
  total: number,
  chunk = 256 * 1024,
  { breakAfter }: { breakAfter?: number } = {},
) {
  let sent = 0;
  const block = new Uint8Array(chunk).fill(0x61);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (breakAfter !== undefined && sent >= breakAfter) {
        controller.error(new Error("connection reset by the fake server"));
        return;
      }
      if (sent >= total) {
        controller.close();
        return;
      }
      const size = Math.min(chunk, total - sent);
      sent += size;
      controller.enqueue(size === chunk ? block.slice() : block.slice(0, size));
    },
  }, { highWaterMark: 0 });
}

function archiveServer(save: () => ReadableStream<Uint8Array> | Response, load?: () => Response) {
  return startFakePodman(async (request, url) => {
    if (url.pathname.endsWith("/get")) {
      const made = save();
      return made instanceof Response ? made : new Response(made);
    }
    if (url.pathname.endsWith("/images/load")) {
      await request.arrayBuffer();
      return load ? load() : Response.json({ Names: ["localhost/x:1"] });
    }
    return Response.json(IMAGE);
  });
}

Deno.test("save() fails with a PodmanError naming the action when the connection breaks mid-body", async () => {
  await using fake = await archiveServer(() =>
    lazyBytes(8 << 20, 64 * 1024, { breakAfter: 1 << 20 })
  );
  const image = fake.client.images.prepareModel(IMAGE);
  const error = await lastValueFrom(image.save().pipe(toArray())).catch((e: unknown) => e);
  assert.ok(error instanceof PodmanError && !(error instanceof APIError), String(error));
  assert.match(error.message, /^Cannot save image "/);
});

Deno.test("saveToFile() removes the partial file when the connection breaks mid-body", async () => {
  await using fake = await archiveServer(() =>
    lazyBytes(8 << 20, 64 * 1024, { breakAfter: 1 << 20 })
  );
  const dir = await Deno.makeTempDir();
  try {
    const image = fake.client.images.prepareModel(IMAGE);
    const error = await lastValueFrom(image.saveToFile(`${dir}/x.tar`)).catch((e: unknown) => e);
    assert.ok(error instanceof PodmanError, String(error));
    // Removal follows the failure closely but not synchronously.
    const deadline = Date.now() + 5_000;
    while ([...Deno.readDirSync(dir)].length > 0) {
      assert.ok(
        Date.now() < deadline,
        `the partial file is still there: ${[...Deno.readDirSync(dir)].map((e) => e.name)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("save() that stays silent is ended by RxJS timeout() and the request is aborted", async () => {
  const silent = silentBody();
  await using fake = await archiveServer(() => silent.body);
  const image = fake.client.images.prepareModel(IMAGE);
  const error = await lastValueFrom(image.save().pipe(timeout({ first: 200 }))).catch((
    e: unknown,
  ) => e);
  assert.ok(error instanceof TimeoutError, String(error));
  await silent.cancelled;
});

Deno.test("load() that gets an error inside a 200 report fails with an APIError", async () => {
  await using fake = await archiveServer(
    () => lazyBytes(0),
    () =>
      Response.json({
        Names: null,
        error: "payload does not match any of the supported image formats",
      }),
  );
  const error = await lastValueFrom(fake.client.images.load(new Uint8Array(1024))).catch((
    e: unknown,
  ) => e);
  assert.ok(error instanceof APIError, String(error));
  assert.equal(error.inStream, true);
  assert.match(error.message, /^Cannot load .*payload does not match/);
});

Deno.test("load() whose 200 report names no image fails instead of completing empty", async () => {
  await using fake = await archiveServer(() => lazyBytes(0), () => Response.json({ Names: [] }));
  const error = await lastValueFrom(fake.client.images.load(new Uint8Array(1024)).pipe(toArray()))
    .catch((e: unknown) => e);
  assert.ok(error instanceof APIError, String(error));
  assert.match(error.message, /without naming a loaded image/);
});

Deno.test("load() of a non-JSON 500 answer is an APIError with the text", async () => {
  await using fake = await archiveServer(
    () => lazyBytes(0),
    () => new Response("<html>502 from a proxy</html>", { status: 500 }),
  );
  const error = await lastValueFrom(fake.client.images.load(new Uint8Array(16))).catch((
    e: unknown,
  ) => e);
  assert.ok(error instanceof APIError, String(error));
  assert.equal(error.status, 500);
  assert.match(error.message, /<html>502 from a proxy<\/html> \(500\)$/);
});

Deno.test("save() of 1 GiB read by a slow subscriber keeps memory flat (backpressure)", async () => {
  const total = 1 << 30;
  await using fake = await archiveServer(() => lazyBytes(total));
  const image = fake.client.images.prepareModel(IMAGE);
  const before = Deno.memoryUsage().rss;
  let received = 0;
  let peak = 0;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  await new Promise<void>((resolve, reject) => {
    image.save().subscribe({
      next(chunk) {
        const mebibytesBefore = received >> 20;
        received += chunk.byteLength;
        if (received >> 20 === mebibytesBefore) return;
        // A slow consumer: 3 ms of blocking work per MiB, about 3 s for the whole archive.
        Atomics.wait(pause, 0, 0, 3);
        peak = Math.max(peak, Deno.memoryUsage().rss - before);
      },
      error: reject,
      complete: resolve,
    });
  });
  assert.equal(received, total);
  assert.ok(peak < 160 * 1024 * 1024, `RSS grew by ${peak >> 20} MiB while saving 1 GiB`);
});
