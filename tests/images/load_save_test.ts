import assert from "node:assert/strict";
import { concatBytes } from "../../src/bytes/concat_bytes.ts";
import { firstValueFrom, lastValueFrom, type Observable, take, toArray } from "rxjs";
import { PodmanClient } from "../../src/podman/podman_client.ts";
import type { LoadOptions } from "../../src/images/operations/load_options.ts";
import { unixSocketTransport } from "../../src/transport/socket_transport.ts";
import type { Transport } from "../../src/transport/transport.ts";
import { APIError, ImageNotFound, PodmanError } from "../../src/errors.ts";
import type { Image } from "../../src/images/image.ts";
import { readTarEntries } from "../tar/_reader.ts";
import { podmanCli, testBed } from "../bed/env.ts";
import { serverAtLeast } from "../bed/server_version.ts";
import { importImage, podmanOk, uniqueName } from "./_fixtures.ts";
import { recordingClient } from "./_recording_client.ts";

const bed = testBed();

function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

async function collect(source: Observable<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  return concatBytes(await lastValueFrom(source.pipe(toArray())));
}

async function loadAll(
  client: PodmanClient,
  source: Parameters<PodmanClient["images"]["load"]>[0],
  options?: LoadOptions,
) {
  return await lastValueFrom(client.images.load(source, options).pipe(toArray()));
}

async function exists(client: PodmanClient, name: string): Promise<boolean> {
  return await lastValueFrom(client.images.exists(name));
}

async function manifestOf(archive: Uint8Array): Promise<{ RepoTags: string[] | null }[]> {
  const entries = await readTarEntries(archive);
  const manifest = entries.find((entry) => entry.name === "manifest.json");
  assert.ok(manifest, `no manifest.json in ${entries.map((entry) => entry.name).join(", ")}`);
  return JSON.parse(new TextDecoder().decode(manifest.data));
}

/** A throwaway image (its own id), removed again at the end. */
async function withScratchImage(
  client: PodmanClient,
  run: (image: Image, name: string) => Promise<void>,
): Promise<void> {
  const name = `localhost/podrx-test/${uniqueName("loadsave")}:1`;
  await importImage(name);
  try {
    await run(await lastValueFrom(client.images.get(name)), name);
  } finally {
    await podmanCli(["rmi", "--force", name]);
  }
}

/** Removes an image, checks it is gone, loads `source`, checks the image is back whole. */
async function assertRoundTrip(
  client: PodmanClient,
  image: Image,
  name: string,
  load: () => Promise<Image[]>,
): Promise<void> {
  await lastValueFrom(client.images.remove(name, { force: true }));
  assert.equal(await exists(client, image.id), false, "the image should be gone before load");
  const loaded = await load();
  assert.equal(loaded.length, 1);
  assert.equal(loaded[0]!.id, image.id);
  assert.deepEqual(loaded[0]!.tags, [name]);
  const again = await lastValueFrom(client.images.get(name));
  assert.equal(again.id, image.id);
}

Deno.test("save() and load() round-trip the seeded image through bytes, keeping id and tag", async () => {
  await using client = connect();
  const image = await lastValueFrom(client.images.get(bed.busyboxImage));
  const archive = await collect(image.save({ named: true }));
  try {
    await assertRoundTrip(client, image, bed.busyboxImage, () => loadAll(client, archive));
  } finally {
    // The seed is shared with every other test: put it back whatever happened above.
    if (!(await exists(client, bed.busyboxImage))) await loadAll(client, archive);
  }
});

Deno.test("saveToFile() and load() round-trip an image through a file path and a file: URL", async () => {
  await using client = connect();
  const dir = await Deno.makeTempDir({ prefix: "podrx-save-" });
  try {
    await withScratchImage(client, async (image, name) => {
      const path = `${dir}/image.tar`;
      const progress = await lastValueFrom(image.saveToFile(path, { named: true }).pipe(toArray()));
      const size = (await Deno.stat(path)).size;
      assert.ok(progress.length >= 1);
      assert.equal(progress.at(-1), size, "the last emission is the file's size");
      assert.ok(progress.every((bytes, i) => i === 0 || bytes > progress[i - 1]!));
      assert.deepEqual((await manifestOf(await Deno.readFile(path)))[0]!.RepoTags, [name]);

      await assertRoundTrip(client, image, name, () => loadAll(client, path));
      const url = new URL(`file://${path}`);
      await assertRoundTrip(client, image, name, () => loadAll(client, url));
      // With an idle timeout the file is read in JavaScript (each chunk counts as life);
      // without one, fetch reads it itself. Both must send the same archive. (Podman 5.7 and
      // later may read the file in place, as above; `via: "upload"` keeps the upload.)
      await assertRoundTrip(
        client,
        image,
        name,
        () => loadAll(client, path, { timeout: 30_000, via: "upload" }),
      );
      await assertRoundTrip(client, image, name, () => loadAll(client, path, { via: "upload" }));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load() round-trips an image from a Blob and from a ReadableStream", async () => {
  await using client = connect();
  await withScratchImage(client, async (image, name) => {
    const archive = await collect(image.save({ named: name }));
    await assertRoundTrip(client, image, name, () => loadAll(client, new Blob([archive])));
    await assertRoundTrip(
      client,
      image,
      name,
      () => loadAll(client, new Blob([archive]), { timeout: 30_000 }),
    );
    const stream = new Blob([archive]).stream();
    await assertRoundTrip(client, image, name, () => loadAll(client, stream));
  });
});

Deno.test("save() without named gives an archive by id that loads back as the same image", async () => {
  await using client = connect();
  const image = await lastValueFrom(client.images.get(bed.busyboxImage));
  const archive = await collect(image.save());
  assert.deepEqual((await manifestOf(archive))[0]!.RepoTags ?? [], []);
  const loaded = await loadAll(client, archive);
  assert.deepEqual(loaded.map((each) => each.id), [image.id]);
});

Deno.test("load() of an archive by id inspects the image by the name the report wrote", async () => {
  // Podman names an untagged image `sha256:<id>` in load's report, though its inspect
  // documents write the bare id: podrx sends the report's name back unchanged.
  const { podman, sent } = recordingClient({ keepAnswer: (url) => url.includes("/images/load") });
  await using _ = podman;
  await withScratchImage(podman, async (image, name) => {
    const archive = await collect(image.save());
    await lastValueFrom(podman.images.remove(name, { force: true }));
    const loaded = await loadAll(podman, archive);
    assert.deepEqual(loaded.map((each) => each.id), [image.id]);
    const load = sent.findIndex((request) => request.url.includes("/images/load"));
    const names = (JSON.parse(await sent[load]!.answer!) as { Names: string[] }).Names;
    assert.equal(names.length, 1);
    // Podman 4.3 to 5.8 write `sha256:` before the bare id; 6 may write another form.
    if (!(await serverAtLeast(6))) assert.deepEqual(names, [`sha256:${image.id}`]);
    const inspect = new URL(sent[load + 1]!.url).pathname;
    assert.equal(decodeURIComponent(inspect.split("/").at(-2)!), names[0]);
  });
});

Deno.test("save() writes a real docker-archive whose manifest.json lists the tag", async () => {
  await using client = connect();
  const image = await lastValueFrom(client.images.get(bed.busyboxImage));
  const archive = await collect(image.save({ named: true }));
  const entries = await readTarEntries(archive);
  const manifest = await manifestOf(archive);
  assert.deepEqual(manifest[0]!.RepoTags, [bed.busyboxImage]);
  const config = (manifest[0] as unknown as { Config: string }).Config;
  assert.ok(entries.some((entry) => entry.name === config), `no config ${config} in the archive`);
});

Deno.test("save() with format oci-archive and oci-dir gives an OCI layout with index.json", async () => {
  await using client = connect();
  const image = await lastValueFrom(client.images.get(bed.busyboxImage));
  for (const format of ["oci-archive", "oci-dir"] as const) {
    const names = (await readTarEntries(await collect(image.save({ format, named: true }))))
      .map((entry) => entry.name.replace(/^\.\//, ""));
    assert.ok(names.includes("index.json"), `${format}: ${names.join(", ")}`);
    assert.ok(names.includes("oci-layout"), `${format}: ${names.join(", ")}`);
    assert.ok(!names.includes("manifest.json"), `${format} is not a docker archive`);
  }
});

Deno.test("save() checks named and format on subscribe, before sending anything", async () => {
  await using client = connect();
  const image = client.images.prepareModel({ Id: "a".repeat(64), RepoTags: ["localhost/x:1"] });
  await assert.rejects(lastValueFrom(image.save({ named: "localhost/y:1" })), RangeError);
  await assert.rejects(
    lastValueFrom(image.saveToFile("/tmp/x.tar", { named: "localhost/y:1" })),
    RangeError,
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any -- a format the types forbid, as plain JS could pass it
    lastValueFrom(image.save({ format: "zip" as any })),
    { name: "RangeError", message: /format must be one of .*got "zip"/ },
  );
  await assert.rejects(lastValueFrom(image.saveToFile("")), TypeError);
  await assert.rejects(lastValueFrom(image.saveToFile(new URL("http://x/y.tar"))), RangeError);
});

Deno.test("save() of an image the server does not have errors with ImageNotFound", async () => {
  await using client = connect();
  const ghost = client.images.prepareModel({ Id: "0".repeat(64) });
  const error = await firstValueFrom(ghost.save()).catch((error) => error);
  assert.ok(error instanceof ImageNotFound, String(error));
  assert.equal(error.status, 404);
});

Deno.test("save() unsubscribed after the first chunk releases the request; the client goes on", async () => {
  await using client = connect();
  const image = await lastValueFrom(client.images.get(bed.busyboxImage));
  const first = await firstValueFrom(image.save({ named: true }));
  assert.ok(first.byteLength > 0);
  // Sanitizers fail the test if the aborted body or its socket were left open.
  const images = await lastValueFrom(client.images.list());
  assert.ok(images.some((each) => each.id === image.id));
  const again = await firstValueFrom(image.save().pipe(take(2), toArray()));
  assert.equal(again.length, 2);
});

/** Waits (up to 5 s) for a partial file to be gone: the teardown removes it just after. */
async function removedSoon(path: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (await Deno.stat(path).then(() => true, () => false)) {
    assert.ok(Date.now() < deadline, `the partial file ${path} is still there`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A client whose responses arrive slowly: each body chunk is held back `delayMs`. */
function slowClient(delayMs: number): PodmanClient {
  const inner = unixSocketTransport(bed.socketPath);
  const transport: Transport = {
    origin: inner.origin,
    description: inner.description,
    fetch: async (url, init) => {
      const response = await inner.fetch(url, init);
      if (!response.body) return response;
      const slow = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          async transform(chunk, controller) {
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            controller.enqueue(chunk);
          },
        }),
      );
      return new Response(slow, { status: response.status, headers: response.headers });
    },
    close: () => inner.close(),
  };
  return new PodmanClient({ transport });
}

Deno.test("saveToFile() reports progress while the file grows, and its whole size last", async () => {
  await using client = slowClient(20);
  const dir = await Deno.makeTempDir({ prefix: "podrx-save-" });
  try {
    const image = await lastValueFrom(client.images.get(bed.busyboxImage));
    const path = `${dir}/slow.tar`;
    const progress = await lastValueFrom(image.saveToFile(path).pipe(toArray()));
    assert.ok(progress.length >= 2, `only ${progress.length} progress values`);
    assert.ok(progress.every((bytes, i) => i === 0 || bytes > progress[i - 1]!));
    assert.equal(progress.at(-1), (await Deno.stat(path)).size);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saveToFile() unsubscribed half-way closes and removes the partial file", async () => {
  // A slow download, so that the first progress value comes long before the end.
  await using client = slowClient(20);
  const dir = await Deno.makeTempDir({ prefix: "podrx-save-" });
  try {
    const image = await lastValueFrom(client.images.get(bed.busyboxImage));
    const path = `${dir}/cut.tar`;
    const written = await firstValueFrom(image.saveToFile(path));
    assert.ok(written > 0);
    assert.ok(written < (await collect(image.save())).byteLength, "unsubscribed before the end");
    await removedSoon(path);
    assert.ok((await lastValueFrom(client.images.list())).length > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saveToFile() into a missing directory errors with PodmanError naming the path", async () => {
  await using client = connect();
  const image = await lastValueFrom(client.images.get(bed.busyboxImage));
  const path = `/nonexistent-${crypto.randomUUID()}/x.tar`;
  const error = await lastValueFrom(image.saveToFile(path)).catch((error) => error);
  assert.ok(error instanceof PodmanError && !(error instanceof APIError), String(error));
  assert.ok(error.message.includes(path), error.message);
});

Deno.test("load() of a corrupt archive errors with APIError carrying the server's message", async () => {
  await using client = connect();
  const corrupt = new TextEncoder().encode("This is a corrupt tarball");
  const error = await lastValueFrom(client.images.load(corrupt)).catch((error) => error);
  assert.ok(error instanceof APIError, String(error));
  assert.equal(error.status, 500);
  assert.match(error.explanation, /payload does not match/);
  assert.match(error.message, /^Cannot load images: unable to load image: payload does not match/);
});

function countingClient(): { client: PodmanClient; sent: string[] } {
  const inner = unixSocketTransport(bed.socketPath);
  const sent: string[] = [];
  const transport: Transport = {
    origin: inner.origin,
    description: inner.description,
    fetch: (url, init) => {
      sent.push(url);
      return inner.fetch(url, init);
    },
    close: () => inner.close(),
  };
  // A fixed API version: no /_ping, so every request counted is one the operation sent.
  return { client: new PodmanClient({ transport, apiVersion: "4.3.1" }), sent };
}

Deno.test("load() of a missing file errors with PodmanError naming the path, sending nothing", async () => {
  const { client, sent } = countingClient();
  await using _ = client;
  const path = `/tmp/podrx-missing-${crypto.randomUUID()}.tar`;
  const error = await lastValueFrom(client.images.load(path)).catch((error) => error);
  assert.ok(error instanceof PodmanError && !(error instanceof APIError), String(error));
  assert.ok(error.message.startsWith(`Cannot load images from "${path}": `), error.message);
  assert.deepEqual(sent, []);
  // A directory is no archive either.
  const dirError = await lastValueFrom(client.images.load("/tmp")).catch((error) => error);
  assert.ok(dirError instanceof PodmanError, String(dirError));
  assert.match(dirError.message, /is a directory/);
  assert.deepEqual(sent, []);
});

Deno.test("load() with a ReadableStream source fails clearly on a second subscription", async () => {
  await using client = connect();
  const image = await lastValueFrom(client.images.get(bed.busyboxImage));
  const archive = await collect(image.save({ named: true }));
  const loading = client.images.load(new Blob([archive]).stream());
  const first = await lastValueFrom(loading.pipe(toArray()));
  assert.deepEqual(first.map((each) => each.id), [image.id]);
  const error = await lastValueFrom(loading).catch((error) => error);
  assert.ok(error instanceof PodmanError, String(error));
  assert.match(error.message, /source stream was already used/);
});

Deno.test("load() rejects sources it cannot send on subscribe, before sending", async () => {
  await using client = connect();
  await assert.rejects(lastValueFrom(client.images.load("")), TypeError);
  await assert.rejects(lastValueFrom(client.images.load(new Uint8Array())), TypeError);
  await assert.rejects(lastValueFrom(client.images.load(new Blob([]))), TypeError);
  await assert.rejects(
    lastValueFrom(client.images.load(new URL("https://example.com/a.tar"))),
    RangeError,
  );
  // deno-lint-ignore no-explicit-any -- what plain JS could pass
  await assert.rejects(lastValueFrom(client.images.load(42 as any)), TypeError);
  const locked = new Blob(["x"]).stream();
  const reader = locked.getReader();
  await assert.rejects(lastValueFrom(client.images.load(locked)), {
    name: "TypeError",
    message: /locked/,
  });
  await reader.cancel();
});

Deno.test("load() unsubscribed during the upload cancels a stream source", async () => {
  await using client = connect();
  let cancelled: unknown = "not cancelled";
  let pulls = 0;
  // An upload that never ends: one chunk, then nothing.
  const endless = new ReadableStream<Uint8Array>({
    pull(controller): Promise<void> {
      if (pulls++ > 0) return new Promise(() => {});
      controller.enqueue(new Uint8Array(1024));
      return Promise.resolve();
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const subscription = client.images.load(endless).subscribe({ error: () => {} });
  const startDeadline = Date.now() + 5000;
  while (pulls < 2) {
    assert.ok(Date.now() < startDeadline, "the upload did not start");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  subscription.unsubscribe();
  const deadline = Date.now() + 5000;
  while (cancelled === "not cancelled") {
    assert.ok(Date.now() < deadline, "the source stream was not cancelled");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok((await lastValueFrom(client.images.list())).length > 0);
});

Deno.test("load() unsubscribed during the upload closes the file it reads", async () => {
  await using client = connect();
  const dir = await Deno.makeTempDir({ prefix: "podrx-load-" });
  try {
    // A named pipe holds the upload open for as long as the test wants.
    const fifo = `${dir}/archive.fifo`;
    const mkfifo = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(mkfifo.success);
    const subscription = client.images.load(fifo).subscribe({ error: () => {} });
    const writer = await Deno.open(fifo, { write: true });
    try {
      await writer.write(new Uint8Array(4096));
      subscription.unsubscribe();
      // Once our end is closed, writing into the pipe breaks: proof the file was closed.
      const deadline = Date.now() + 5000;
      const broken = await (async () => {
        while (Date.now() < deadline) {
          try {
            await writer.write(new Uint8Array(4096));
          } catch (error) {
            return error;
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return undefined;
      })();
      assert.ok(broken instanceof Deno.errors.BrokenPipe, String(broken));
    } finally {
      writer.close();
    }
    assert.ok((await lastValueFrom(client.images.list())).length > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const BIG_MB = 200;

async function makeBigImage(name: string, dir: string): Promise<void> {
  // Random bytes: the archive cannot shrink under compression anywhere on the way.
  const rootfs = `${dir}/rootfs`;
  await Deno.mkdir(rootfs);
  const head = await new Deno.Command("sh", {
    args: [
      "-c",
      `head -c ${BIG_MB}M /dev/urandom > '${rootfs}/blob' && tar -cf '${dir}/big.tar' -C '${rootfs}' blob && rm '${rootfs}/blob'`,
    ],
  }).output();
  assert.ok(head.success, new TextDecoder().decode(head.stderr));
  await podmanOk(["import", `${dir}/big.tar`, name]);
  await Deno.remove(`${dir}/big.tar`);
}

async function peakRssGrowth(run: () => Promise<void>): Promise<number> {
  const before = Deno.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, Deno.memoryUsage().rss);
  }, 10);
  try {
    await run();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, Deno.memoryUsage().rss) - before;
}

Deno.test(`saveToFile() and load() of a ${BIG_MB} MB image keep memory flat`, async () => {
  await using client = connect();
  const dir = await Deno.makeTempDir({ prefix: "podrx-big-" });
  const name = `localhost/podrx-test/${uniqueName("big")}:1`;
  try {
    await makeBigImage(name, dir);
    const image = await lastValueFrom(client.images.get(name));
    const path = `${dir}/saved.tar`;
    const saveGrowth = await peakRssGrowth(async () => {
      await lastValueFrom(image.saveToFile(path, { named: true }));
    });
    const whole = (await Deno.stat(path)).size;
    assert.ok(whole > BIG_MB * 1024 * 1024);

    // Deno copies the body to the file by itself; an unsubscribe still stops it midway.
    const cut = `${dir}/cut.tar`;
    const first = await firstValueFrom(image.saveToFile(cut, { named: true }));
    assert.ok(first > 0 && first < whole, `first progress ${first} of ${whole}`);
    await removedSoon(cut);

    await lastValueFrom(client.images.remove(name, { force: true }));
    let loaded: Image[] = [];
    const loadGrowth = await peakRssGrowth(async () => {
      loaded = await loadAll(client, path);
    });
    assert.deepEqual(loaded.map((each) => each.id), [image.id]);
    // Buffering either way would grow RSS by the archive's size (over 200 MB). Streaming
    // leaves some garbage chunks for the GC to find, more on the download side (fresh
    // response chunks) than on the upload side, hence two limits.
    const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
    assert.ok(loadGrowth < 48 * 2 ** 20, `load grew RSS by ${mb(loadGrowth)}`);
    assert.ok(saveGrowth < 96 * 2 ** 20, `saveToFile grew RSS by ${mb(saveGrowth)}`);
  } finally {
    await podmanCli(["rmi", "--force", name]);
    await Deno.remove(dir, { recursive: true });
  }
});
