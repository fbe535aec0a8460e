// Image ids are kept and sent back exactly as the server wrote them. Podman writes 64 hex
// digits (and `sha256:<hex>` in load's report), podman-py's fixtures and other servers
// `sha256:<hex>`, and Podman 6 warns that ids will change form. A fake server, since a real
// Podman writes only its own forms: this one stores ids as written and finds an image only
// by that text (or a 12+ character prefix of it), so an id podrx rewrote is not found.
import assert from "node:assert/strict";
import { lastValueFrom, toArray } from "rxjs";
import { type FakePodman, startFakePodman } from "../fake/fake_podman.ts";

const ID = "7a3c5b0e1d2f4a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d";
const OTHER = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
// Forms no Podman writes yet: another algorithm, and bare hex of another length.
const SHA512 = "sha512:" + "9e8d7c6b5a4f3e2d1c0b".repeat(6) + "a1b2c3d4";
const BARE40 = "5d41402abc4b2a76b9719d911017c592a1b2c3d4";

/**
 * A fake service holding images with these ids, as written. An inspect or removal finds an
 * image by its id or a prefix of 12 characters or more; like Podman, a `sha256:` before a
 * bare id is allowed. `endpoints` answer the rest, by the path's end.
 */
async function fakeStore(
  ids: readonly string[],
  endpoints: Record<string, (request: Request) => Response>,
): Promise<FakePodman & { inspected: string[]; removed: string[] }> {
  const inspected: string[] = [];
  const removed: string[] = [];
  const find = (name: string) =>
    name.length < 12
      ? undefined
      : ids.find((id) =>
        id.startsWith(name) || (!id.includes(":") && `sha256:${id}`.startsWith(name))
      );
  const server = await startFakePodman((request, url) => {
    const inspect = /\/images\/([^/]+)\/json$/.exec(url.pathname);
    if (inspect && request.method === "GET") {
      const name = decodeURIComponent(inspect[1]!);
      inspected.push(name);
      const id = find(name);
      return id
        ? Response.json({ Id: id, RepoTags: [] })
        : Response.json({ message: "image not known" }, { status: 404 });
    }
    const removal = /\/images\/([^/]+)$/.exec(url.pathname);
    if (removal && request.method === "DELETE") {
      const name = decodeURIComponent(removal[1]!);
      removed.push(name);
      const id = find(name);
      return id
        ? Response.json({ Deleted: [id], Untagged: [], ExitCode: 0 })
        : Response.json({ message: "image not known" }, { status: 404 });
    }
    const endpoint = Object.keys(endpoints).find((end) => url.pathname.endsWith(end));
    return endpoint
      ? endpoints[endpoint]!(request)
      : Response.json({ message: "unexpected" }, { status: 500 });
  });
  return Object.assign(server, { inspected, removed });
}

function lines(...values: unknown[]): Response {
  return new Response(values.map((value) => JSON.stringify(value) + "\n").join(""));
}

/** The image names of the inspect requests the fake saw, decoded from their paths. */
function inspectPaths(server: FakePodman): string[] {
  return server.requests.flatMap(({ method, path }) => {
    const match = /\/images\/([^/?]+)\/json/.exec(path);
    return method === "GET" && match ? [decodeURIComponent(match[1]!)] : [];
  });
}

Deno.test("pull() inspects the report's id exactly as written, with or without sha256:", async () => {
  // Each report, and the name podrx must inspect: what the report wrote (the first of two
  // forms of one id).
  const cases: [unknown[], string][] = [
    [
      [{ stream: "Copying blob\n" }, { id: `sha256:${ID}`, images: [`sha256:${ID}`] }],
      `sha256:${ID}`,
    ],
    [[{ id: `sha256:${ID}`, images: [] }], `sha256:${ID}`],
    [[{ id: `sha256:${ID}` }], `sha256:${ID}`],
    [[{ images: [`sha256:${ID}`, ID] }], `sha256:${ID}`],
    [[{ images: [ID, `sha256:${ID}`] }], ID],
    [[{ status: "Download complete", progressDetail: {}, id: ID.slice(0, 12) }], ID.slice(0, 12)],
    [
      [{ status: "Download complete", progressDetail: {}, id: `sha256:${ID.slice(0, 12)}` }],
      `sha256:${ID.slice(0, 12)}`,
    ],
  ];
  for (const [report, inspected] of cases) {
    await using server = await fakeStore([ID], { "/images/pull": () => lines(...report) });
    const events = await lastValueFrom(server.client.images.pull("127.0.0.1:1/x").pipe(toArray()));
    const pulled = events.at(-1);
    assert.ok(pulled?.type === "pulled", JSON.stringify(report));
    // The model is the inspect document's, which names the image as this server stores it.
    assert.equal(pulled.image.id, ID);
    // Both forms of one id are one image.
    assert.equal(pulled.images.length, 1, JSON.stringify(report));
    assert.deepEqual(server.inspected, [inspected], JSON.stringify(report));
  }
});

Deno.test("pull() of several images names each once, in the form the report first wrote", async () => {
  await using server = await fakeStore([ID, OTHER], {
    "/images/pull": () => lines({ images: [`sha256:${ID}`, OTHER, ID] }),
  });
  const pulled = await lastValueFrom(
    server.client.images.pull("127.0.0.1:1/x", { allTags: true }),
  );
  assert.ok(pulled.type === "pulled");
  assert.deepEqual(pulled.images.map((image) => image.id), [ID, OTHER]);
  assert.deepEqual(server.inspected, [`sha256:${ID}`, OTHER]);
});

Deno.test("load() inspects an image the report names as sha256:<id> by that name", async () => {
  await using server = await fakeStore([ID], {
    "/images/load": () => Response.json({ Names: [`sha256:${ID}`] }),
  });
  const images = await lastValueFrom(
    server.client.images.load(new Uint8Array([1])).pipe(toArray()),
  );
  assert.deepEqual(images.map((image) => image.id), [ID]);
  assert.deepEqual(server.inspected, [`sha256:${ID}`]);
});

Deno.test("build() takes a final id line with sha256: as the image id, inspected as written", async () => {
  await using server = await fakeStore([ID], {
    "/build": () => lines({ stream: "STEP 1/1: FROM scratch\n" }, { stream: `sha256:${ID}\n` }),
  });
  const events = await lastValueFrom(
    server.client.images.build({ fileobj: "FROM scratch\n" }).pipe(toArray()),
  );
  const built = events.at(-1);
  assert.ok(built?.type === "built", JSON.stringify(events));
  assert.equal(built.image.id, ID);
  assert.deepEqual(server.inspected, [`sha256:${ID}`]);
});

Deno.test("remove() and prune() report ids in the form the server wrote them", async () => {
  await using server = await startFakePodman((request, url) => {
    if (request.method === "DELETE") {
      return Response.json({ Deleted: [`sha256:${ID}`, OTHER], Untagged: ["x:1"], ExitCode: 0 });
    }
    if (url.pathname.endsWith("/images/prune")) {
      return Response.json([{ Id: `sha256:${ID}`, Size: 3 }, { Id: OTHER, Size: 4 }]);
    }
    return Response.json({ message: "unexpected" }, { status: 500 });
  });
  const removed = await lastValueFrom(server.client.images.remove("x:1"));
  const pruned = await lastValueFrom(server.client.images.prune());
  assert.deepEqual(removed.deleted, [`sha256:${ID}`, OTHER]);
  assert.deepEqual(pruned, { imagesDeleted: [`sha256:${ID}`, OTHER], spaceReclaimed: 7 });
});

// --- ids that are not SHA-256 hex ------------------------------------------------------------

Deno.test("pull() keeps ids that are not SHA-256 hex and inspects them unchanged", async () => {
  await using server = await fakeStore([SHA512, BARE40], {
    "/images/pull": () =>
      lines({ stream: "Copying blob\n" }, { images: [SHA512, BARE40], id: BARE40 }),
  });
  const pulled = await lastValueFrom(
    server.client.images.pull("127.0.0.1:1/x", { allTags: true }),
  );
  assert.ok(pulled.type === "pulled");
  assert.deepEqual(pulled.images.map((image) => image.id), [SHA512, BARE40]);
  assert.deepEqual(inspectPaths(server), [SHA512, BARE40]);
});

Deno.test("pull() in compat mode inspects the final line's prefix of a sha512: id as written", async () => {
  await using server = await fakeStore([SHA512], {
    "/images/pull": () =>
      lines(
        { status: "Pulling fs layer", progressDetail: {}, id: "a3ed95caeb02" },
        { status: "Download complete", progressDetail: {}, id: "a3ed95caeb02" },
        // Podman writes the image id's first 12 characters, whatever its form.
        { status: "Download complete", progressDetail: {}, id: SHA512.slice(0, 12) },
      ),
  });
  const events = await lastValueFrom(server.client.images.pull("127.0.0.1:1/x").pipe(toArray()));
  const pulled = events.at(-1);
  assert.ok(pulled?.type === "pulled", JSON.stringify(events));
  assert.equal(pulled.image.id, SHA512);
  assert.deepEqual(inspectPaths(server), [SHA512.slice(0, 12)]);
  // The image's line is no event; the layer's is one.
  assert.deepEqual(events.slice(0, -1).map((event) => event.type), ["progress", "progress"]);
});

Deno.test("build() takes a final sha512: or 40-digit id line as the image id, unchanged", async () => {
  for (const id of [SHA512, BARE40]) {
    await using server = await fakeStore([id], {
      "/build": () =>
        lines(
          { stream: "STEP 1/1: FROM scratch\n" },
          { stream: `--> ${id.slice(0, 12)}\n` },
          { stream: `${id}\n` },
        ),
    });
    const built = await lastValueFrom(server.client.images.build({ fileobj: "FROM scratch\n" }));
    assert.ok(built.type === "built", id);
    assert.equal(built.image.id, id);
    assert.deepEqual(inspectPaths(server), [id]);
  }
});

Deno.test("load() inspects names that are sha512: or 40-digit ids unchanged", async () => {
  await using server = await fakeStore([SHA512, BARE40], {
    "/images/load": () => Response.json({ Names: [SHA512, BARE40] }),
  });
  const images = await lastValueFrom(
    server.client.images.load(new Uint8Array([1])).pipe(toArray()),
  );
  assert.deepEqual(images.map((image) => image.id), [SHA512, BARE40]);
  assert.deepEqual(inspectPaths(server), [SHA512, BARE40]);
});

Deno.test("list(), get() and an image's own requests keep and send sha512: and 40-digit ids", async () => {
  await using server = await fakeStore([SHA512, BARE40], {
    "/images/json": () => Response.json([{ Id: SHA512, RepoTags: [] }, { Id: BARE40 }]),
  });
  const listed = await lastValueFrom(server.client.images.list());
  assert.deepEqual(listed.map((image) => image.id), [SHA512, BARE40]);
  // Cut short after the algorithm, as podman-py cuts `sha256:` ids; a bare id to 10.
  assert.deepEqual(listed.map((image) => image.shortId), [
    SHA512.slice(0, 17),
    BARE40.slice(0, 10),
  ]);
  const got = await lastValueFrom(server.client.images.get(SHA512));
  assert.equal(got.id, SHA512);
  await lastValueFrom(listed[1]!.reload());
  const report = await lastValueFrom(listed[0]!.remove());
  assert.deepEqual(report.deleted, [SHA512]);
  assert.deepEqual(inspectPaths(server), [SHA512, BARE40]);
  assert.deepEqual(server.removed, [SHA512]);
});

Deno.test("remove() and prune() report sha512: and 40-digit ids unchanged", async () => {
  await using server = await fakeStore([SHA512, BARE40], {
    "/images/prune": () => Response.json([{ Id: SHA512, Size: 3 }, { Id: BARE40, Size: 4 }]),
  });
  const removed = await lastValueFrom(server.client.images.remove(BARE40));
  assert.deepEqual(removed.deleted, [BARE40]);
  assert.deepEqual(server.removed, [BARE40]);
  const pruned = await lastValueFrom(server.client.images.prune());
  assert.deepEqual(pruned, { imagesDeleted: [SHA512, BARE40], spaceReclaimed: 7 });
});
