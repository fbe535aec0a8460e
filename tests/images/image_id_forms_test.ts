// Image ids in server reports come bare (Podman) or with `sha256:` (podman-py's test fixtures,
// other servers): pull, load, build, remove and prune accept both and report bare ids.
// A fake server, since a real Podman always writes one form.
import assert from "node:assert/strict";
import { lastValueFrom, toArray } from "rxjs";
import { startFakePodman } from "../fake/fake_podman.ts";

const ID = "7a3c5b0e1d2f4a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d";
const OTHER = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/** A fake that answers an inspect of a bare id (or prefix) with that image, `body` for `endpoint`. */
function fakeWith(endpoint: string, body: () => Response) {
  const inspected: string[] = [];
  return {
    inspected,
    start: () =>
      startFakePodman((_request, url) => {
        const inspect = /\/images\/([^/]+)\/json$/.exec(url.pathname);
        if (inspect) {
          const name = decodeURIComponent(inspect[1]!);
          inspected.push(name);
          // Podman finds an image by its bare id or a 12-digit prefix of it.
          const id = [ID, OTHER].find((id) =>
            /^[0-9a-f]{12,64}$/.test(name) && id.startsWith(name)
          );
          return id
            ? Response.json({ Id: id, RepoTags: [] })
            : Response.json({ message: "image not known" }, { status: 404 });
        }
        if (url.pathname.endsWith(endpoint)) return body();
        return Response.json({ message: "unexpected" }, { status: 500 });
      }),
  };
}

function lines(...values: unknown[]): Response {
  return new Response(values.map((value) => JSON.stringify(value) + "\n").join(""));
}

Deno.test("pull() accepts the report's ids with or without sha256: in every shape podman-py's tests use", async () => {
  const reports: unknown[][] = [
    [{ stream: "Copying blob\n" }, { id: `sha256:${ID}`, images: [`sha256:${ID}`] }],
    [{ id: `sha256:${ID}`, images: [] }],
    [{ id: `sha256:${ID}` }],
    [{ images: [`sha256:${ID}`, ID] }],
    [{ status: "Download complete", progressDetail: {}, id: `sha256:${ID.slice(0, 12)}` }],
  ];
  for (const report of reports) {
    const fake = fakeWith("/images/pull", () => lines(...report));
    await using server = await fake.start();
    const events = await lastValueFrom(server.client.images.pull("127.0.0.1:1/x").pipe(toArray()));
    const pulled = events.at(-1);
    assert.ok(pulled?.type === "pulled", JSON.stringify(report));
    assert.equal(pulled.image.id, ID);
    // Both forms of one id are one image.
    assert.equal(pulled.images.length, 1, JSON.stringify(report));
    assert.deepEqual(fake.inspected, [fake.inspected[0]!.length === 12 ? ID.slice(0, 12) : ID]);
  }
});

Deno.test("pull() of several images names each once, whichever form the report uses", async () => {
  const fake = fakeWith("/images/pull", () => lines({ images: [`sha256:${ID}`, OTHER, ID] }));
  await using server = await fake.start();
  const pulled = await lastValueFrom(
    server.client.images.pull("127.0.0.1:1/x", { allTags: true }),
  );
  assert.ok(pulled.type === "pulled");
  assert.deepEqual(pulled.images.map((image) => image.id), [ID, OTHER]);
});

Deno.test("load() inspects an image the report names as sha256:<id> by its bare id", async () => {
  const fake = fakeWith("/images/load", () => Response.json({ Names: [`sha256:${ID}`] }));
  await using server = await fake.start();
  const images = await lastValueFrom(
    server.client.images.load(new Uint8Array([1])).pipe(toArray()),
  );
  assert.deepEqual(images.map((image) => image.id), [ID]);
  assert.deepEqual(fake.inspected, [ID]);
});

Deno.test("build() takes a final id line with sha256: as the image id", async () => {
  const fake = fakeWith(
    "/build",
    () => lines({ stream: "STEP 1/1: FROM scratch\n" }, { stream: `sha256:${ID}\n` }),
  );
  await using server = await fake.start();
  const events = await lastValueFrom(
    server.client.images.build({ fileobj: "FROM scratch\n" }).pipe(toArray()),
  );
  const built = events.at(-1);
  assert.ok(built?.type === "built", JSON.stringify(events));
  assert.equal(built.image.id, ID);
});

Deno.test("remove() and prune() report bare ids whichever form the server wrote", async () => {
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
  assert.deepEqual(removed.deleted, [ID, OTHER]);
  assert.deepEqual(pruned, { imagesDeleted: [ID, OTHER], spaceReclaimed: 7 });
});
