import assert from "node:assert/strict";
import { ImageNotFound, PodmanClient } from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { startFakePodman } from "../fake/fake_podman.ts";
import { importImage, uniqueName } from "../images/_fixtures.ts";

const bed = testBed();

Deno.test("images.promises resolves get(), exists(), list() and remove() against the real service", async () => {
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const images = podman.images.promises;
  assert.equal(images, podman.images.promises);
  const name = `localhost/${uniqueName("podrx-await")}:1`;
  const id = await importImage(name);
  assert.equal((await images.get(name)).id, id);
  assert.equal(await images.exists(name), true);
  assert.deepEqual((await images.list({ name })).map((image) => image.id), [id]);
  assert.deepEqual((await images.remove(name)).deleted, [id]);
  await assert.rejects(images.get(name), ImageNotFound);
});

Deno.test("images.promises aborts the request when the signal aborts", async () => {
  let markAborted!: () => void;
  let markReceived!: () => void;
  const serverSawAbort = new Promise<void>((resolve) => (markAborted = resolve));
  const serverGotRequest = new Promise<void>((resolve) => (markReceived = resolve));
  await using fake = await startFakePodman((request) =>
    new Promise<Response>((resolve) => {
      request.signal.addEventListener("abort", () => {
        markAborted();
        resolve(new Response(null, { status: 499 }));
      });
      markReceived();
    })
  );
  const controller = new AbortController();
  const listing = fake.client.images.promises.list({ signal: controller.signal });
  // Aborted once the server holds the request, so the abort must reach it.
  await serverGotRequest;
  controller.abort(new Error("stop listing"));
  await assert.rejects(listing, { message: "stop listing" });
  // Bounded: a request that was never aborted fails the test instead of hanging it.
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    serverSawAbort,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error("the server never saw the abort")), 10_000);
    }),
  ]).finally(() => clearTimeout(timer));
});

Deno.test("images.promises rejects at once with an already aborted signal and sends nothing", async () => {
  await using fake = await startFakePodman(() => Response.json([]));
  const reason = new Error("too late");
  await assert.rejects(
    fake.client.images.promises.list({ signal: AbortSignal.abort(reason) }),
    (error) => error === reason,
  );
  assert.equal(fake.requests.length, 0);
});

Deno.test("images.promises.pull() resolves with the pulled image and reports progress live", async () => {
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const repository = `${bed.registry}/podrx/${uniqueName("await-pull")}`;
  const id = await importImage(`${repository}:1`);
  await podman.images.promises.push(`${repository}:1`, { tlsVerify: false });
  await podman.images.promises.remove(`${repository}:1`);
  const seen: string[] = [];
  const image = await podman.images.promises.pull(`${repository}:1`, {
    tlsVerify: false,
    onProgress: (event) => seen.push(event.type),
  });
  try {
    assert.equal(image.id, id);
    // Podman 4.8 and later send layer progress (Docker-style lines; on 6.0 and later beside
    // libpod's status lines); 4.3.1 sends status lines.
    const [major = 0, minor = 0] = (await podman.apiVersion()).split(".").map(Number);
    const compatLines = major > 4 || (major === 4 && minor >= 8);
    assert.ok(seen.includes(compatLines ? "progress" : "status"), seen.join());
    assert.equal(seen.at(-1), "pulled");
  } finally {
    await podman.images.promises.remove(image, { force: true });
  }
});

Deno.test("images.promises.push() resolves with one pushed event, or with every tag's for allTags", async () => {
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const repository = `${bed.registry}/podrx/${uniqueName("await-push")}`;
  const ids = [await importImage(`${repository}:1`), await importImage(`${repository}:2`)];
  try {
    const one = await podman.images.promises.push(`${repository}:1`, { tlsVerify: false });
    assert.equal(one.destination, `${repository}:1`);
    assert.equal(one.tag, undefined);

    const tagsSeen = new Set<string | undefined>();
    const every = await podman.images.promises.push(repository, {
      allTags: true,
      tlsVerify: false,
      onProgress: (event) => tagsSeen.add(event.tag),
    });
    assert.deepEqual(every.map(({ type, tag, destination }) => ({ type, tag, destination })), [
      { type: "pushed", tag: "1", destination: `${repository}:1` },
      { type: "pushed", tag: "2", destination: `${repository}:2` },
    ]);
    assert.deepEqual([...tagsSeen], ["1", "2"]);
    await assert.rejects(
      podman.images.promises.push(`${repository}:1`, { allTags: true }),
      TypeError,
    );
  } finally {
    for (const id of ids) await podman.images.promises.remove(id, { force: true });
  }
});
