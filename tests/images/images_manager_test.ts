// The non-streaming image operations, against the real Podman service and registries.
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { APIError, Image, ImageNotFound, PodmanClient } from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { startFakePodman } from "../fake/fake_podman.ts";
import { importImage, podmanOk, uniqueName } from "./_fixtures.ts";

const bed = testBed();

function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

Deno.test("get() returns the seeded image with its tags and labels", async () => {
  await using podman = connect();
  const image = await lastValueFrom(podman.images.get(bed.labeledImage));
  assert.ok(image instanceof Image);
  assert.match(image.id, /^[0-9a-f]{64}$/);
  assert.equal(image.shortId, image.id.slice(0, 10));
  assert.deepEqual(image.tags, [bed.labeledImage]);
  assert.equal(image.labels["podrx.test"], "seed");
  assert.equal(image.attrs.Id, image.id);
});

Deno.test("get() of a missing image fails with ImageNotFound carrying Podman's message", async () => {
  await using podman = connect();
  const error = await lastValueFrom(podman.images.get("localhost/podrx/absent:1")).catch((
    e: unknown,
  ) => e);
  assert.ok(error instanceof ImageNotFound);
  assert.equal(error.status, 404);
  assert.match(
    error.message,
    /^Cannot get image "localhost\/podrx\/absent:1": .*image not known \(404\)$/,
  );
});

Deno.test("get() rejects an empty name with a TypeError on subscribe, before sending", async () => {
  await using podman = connect();
  await assert.rejects(lastValueFrom(podman.images.get("")), TypeError);
});

Deno.test("exists() is true for a stored image and false for a missing one", async () => {
  await using podman = connect();
  assert.equal(await lastValueFrom(podman.images.exists(bed.busyboxImage)), true);
  assert.equal(await lastValueFrom(podman.images.exists("localhost/podrx/absent:1")), false);
});

Deno.test("Image.tag() then list({ name }) shows the new tag; untag() removes it", async () => {
  await using podman = connect();
  const repository = `localhost/${uniqueName("podrx-tagged")}`;
  const image = await lastValueFrom(podman.images.get(bed.busyboxImage));
  assert.equal(await lastValueFrom(image.tag(repository, "v1")), true);
  const listed = await lastValueFrom(podman.images.list({ name: repository }));
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.id, image.id);
  assert.ok(listed[0]!.tags.includes(`${repository}:v1`));
  await lastValueFrom(image.reload());
  assert.ok(image.tags.includes(`${repository}:v1`));
  assert.equal(await lastValueFrom(image.untag(repository, "v1")), true);
  assert.deepEqual(await lastValueFrom(podman.images.list({ name: repository })), []);
});

Deno.test("Image.tag() rejects malformed names (RangeError) and a tag given twice (TypeError); refused tags give false with force", async () => {
  await using podman = connect();
  const image = await lastValueFrom(podman.images.get(bed.busyboxImage));
  await assert.rejects(lastValueFrom(image.tag("localhost/x", "bad tag!")), RangeError);
  await assert.rejects(lastValueFrom(image.tag("localhost/x:1", "v1")), TypeError);
  await assert.rejects(lastValueFrom(image.tag("UPPER/case", "v1")), RangeError);
  const gone = podman.images.prepareModel({ Id: "0".repeat(64) });
  assert.equal(await lastValueFrom(gone.tag("localhost/x", "v1", { force: true })), false);
  await assert.rejects(lastValueFrom(gone.tag("localhost/x", "v1")), ImageNotFound);
});

Deno.test("list() filters by label given as an object, sent as key=value", async () => {
  await using podman = connect();
  const value = uniqueName("team");
  const id = await importImage(`localhost/${uniqueName("podrx-labeled")}:1`, {
    "podrx.team": value,
  });
  await importImage(`localhost/${uniqueName("podrx-other")}:1`, { "podrx.team": "someone-else" });
  const listed = await lastValueFrom(
    podman.images.list({ filters: { label: { "podrx.team": value } } }),
  );
  assert.deepEqual(listed.map((image) => image.id), [id]);
  const byString = await lastValueFrom(
    podman.images.list({ filters: { label: `podrx.team=${value}` } }),
  );
  assert.deepEqual(byString.map((image) => image.id), [id]);
});

Deno.test("Image.history() lists the layers of the image", async () => {
  await using podman = connect();
  const image = await lastValueFrom(podman.images.get(bed.busyboxImage));
  const history = await lastValueFrom(image.history());
  assert.ok(history.length >= 1);
  assert.ok(history.some((layer) => layer.id === image.id || layer.id === `sha256:${image.id}`));
  // camelCase fields, read from the server's PascalCase entry, which `attrs` keeps as sent.
  for (const layer of history) {
    assert.equal(layer.id, layer.attrs.Id);
    assert.equal(layer.createdBy, layer.attrs.CreatedBy);
    assert.equal(layer.created, layer.attrs.Created);
    assert.equal(layer.size, layer.attrs.Size);
    assert.equal(layer.comment, layer.attrs.Comment ?? "");
    assert.deepEqual(layer.tags, layer.attrs.Tags ?? []);
    assert.equal(typeof layer.created, "number");
  }
  assert.ok(history.some((layer) => layer.createdBy !== ""));
});

Deno.test("remove() of an image used by a container fails with 409 and succeeds with force", async () => {
  await using podman = connect();
  const name = `localhost/${uniqueName("podrx-in-use")}:1`;
  const id = await importImage(name);
  await podmanOk(["create", "--name", uniqueName("podrx-user"), name, "/marker.txt"]);
  const error = await lastValueFrom(podman.images.remove(name)).catch((e: unknown) => e);
  assert.ok(error instanceof APIError, String(error));
  assert.equal(error.status, 409);
  assert.match(error.explanation, /in use by a container/);
  assert.ok(error.message.startsWith(`Cannot remove image "${name}": `));
  assert.ok(error.message.endsWith("(409)"));
  assert.equal(await lastValueFrom(podman.images.exists(name)), true);

  const report = await lastValueFrom(podman.images.remove(name, { force: true }));
  assert.ok(report.deleted.includes(id), `deleted ${report.deleted} lacks ${id}`);
  assert.ok(report.untagged.includes(name));
  assert.equal(report.exitCode, 0);
  await assert.rejects(lastValueFrom(podman.images.get(id)), ImageNotFound);
});

Deno.test("remove() accepts an Image; removing a missing image fails with ImageNotFound", async () => {
  await using podman = connect();
  const name = `localhost/${uniqueName("podrx-remove")}:1`;
  const id = await importImage(name);
  const image = await lastValueFrom(podman.images.get(name));
  const report = await lastValueFrom(image.remove());
  assert.deepEqual(report.deleted, [id]);
  await assert.rejects(lastValueFrom(podman.images.remove(name)), ImageNotFound);
});

Deno.test("prune() removes the dangling images its filters select and reports them", async () => {
  await using podman = connect();
  const marker = uniqueName("prune");
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const name = `localhost/${uniqueName("podrx-dangle")}:1`;
    ids.push(await importImage(name, { "podrx.prune": marker }));
    await podmanOk(["untag", name]);
  }
  const keeper = await importImage(`localhost/${uniqueName("podrx-keep")}:1`, {
    "podrx.prune": marker,
  });
  const report = await lastValueFrom(
    podman.images.prune({ filters: { label: { "podrx.prune": marker } } }),
  );
  assert.deepEqual([...report.imagesDeleted].sort(), [...ids].sort());
  assert.ok(report.spaceReclaimed > 0);
  for (const id of ids) await assert.rejects(lastValueFrom(podman.images.get(id)), ImageNotFound);
  assert.equal(await lastValueFrom(podman.images.exists(keeper)), true);
});

/**
 * Builds with a cache mount at /c and returns its log: `ls /c` on one line, then `marker` is
 * written. The cache may hold earlier runs' files (Podman 4.3 keeps it in the host's /var/tmp).
 */
async function cacheMountBuild(podman: PodmanClient, marker: string): Promise<string> {
  const { log } = await podman.images.promises.build({
    fileobj: `FROM ${bed.busyboxImage}\n` +
      `RUN --mount=type=cache,target=/c echo "cache holds: $(ls /c | tr '\\n' ' ')" && ` +
      `touch /c/${marker}\n`,
    nocache: true,
  });
  return log.join("");
}

Deno.test("pruneBuilds() prunes a real cache mount and reports only what the server says", async () => {
  await using podman = connect();
  const [major = 0, minor = 0] = (await podman.apiVersion()).split(".").map(Number);
  const supported = major > 5 || (major === 5 && minor >= 3);
  const marker = uniqueName("cached");
  await cacheMountBuild(podman, marker);
  // The cache outlives the build: a second build sees the first one's file.
  assert.match(await cacheMountBuild(podman, "again"), new RegExp(`cache holds: .*${marker}`));

  const report = await lastValueFrom(podman.images.pruneBuilds());

  // Podman 5.4 answers [] to a cache prune: no names, no size, so no invented zero.
  assert.deepEqual(report, { cachesDeleted: [], spaceReclaimed: undefined, supported });
  const after = await cacheMountBuild(podman, "third");
  if (supported) assert.doesNotMatch(after, new RegExp(marker), "the cache was pruned");
  else assert.match(after, new RegExp(marker), "nothing was sent, the cache stays");
});

Deno.test("pruneBuilds() reports the entries and sizes a server does name", async () => {
  await using fake = await startFakePodman(
    () => Response.json([{ Id: "cache-a", Size: 10 }, { Id: "cache-b", Size: 5 }]),
    { apiVersion: "5.4.2" },
  );
  assert.deepEqual(await lastValueFrom(fake.client.images.pruneBuilds()), {
    cachesDeleted: ["cache-a", "cache-b"],
    spaceReclaimed: 15,
    supported: true,
  });
});

Deno.test("search() finds an image pushed to the local registry and lists its tags", async () => {
  await using podman = connect();
  const repository = `${bed.registry}/podrx/${uniqueName("searchme")}`;
  await podmanOk(["tag", bed.labeledImage, `${repository}:1`]);
  await podmanOk(["push", "--tls-verify=false", `${repository}:1`]);
  const hits = await lastValueFrom(podman.images.search(repository, { tlsVerify: false }));
  assert.ok(hits.some((hit) => hit.name === repository), JSON.stringify(hits));
  const hit = hits.find((each) => each.name === repository)!;
  assert.equal(hit.index, bed.registry);
  assert.equal(hit.attrs.Name, repository);
  assert.equal(hit.attrs.Index, hit.index);
  const tags = await lastValueFrom(
    podman.images.search(repository, { tlsVerify: false, listTags: true }),
  );
  assert.deepEqual(tags.map((hit) => hit.tag), ["1"]);
  assert.deepEqual(tags.map((hit) => hit.attrs.Tag), ["1"]);
});

Deno.test("search() of the auth registry with a wrong password keeps the password out of the error", async () => {
  await using podman = connect();
  const password = `wrong-${crypto.randomUUID()}`;
  const error = await lastValueFrom(
    podman.images.search(`${bed.authRegistry}/podrx/anything`, {
      tlsVerify: false,
      listTags: true,
      authConfig: { username: bed.authUser, password },
    }),
  ).catch((e: unknown) => e);
  assert.ok(error instanceof APIError, String(error));
  assert.match(error.explanation, /unauthorized|authentication required|401/i);
  const everything = [
    error.message,
    error.explanation,
    error.serverCause,
    String(error.cause),
    JSON.stringify(error),
  ].join(" ");
  assert.ok(!everything.includes(password));
});

Deno.test("prepareModel() makes an Image from list attributes; resource is the Image class", async () => {
  await using podman = connect();
  const [first] = await lastValueFrom(podman.images.list({ name: bed.labeledImage }));
  assert.ok(first);
  const model = podman.images.prepareModel(first.attrs);
  assert.ok(model instanceof podman.images.resource);
  assert.equal(model.id, first.id);
  assert.deepEqual(
    podman.images.prepareModel({ Id: "b".repeat(64), RepoTags: ["<none>:<none>"] }).tags,
    [],
  );
  assert.throws(() => podman.images.prepareModel({} as never), TypeError);
});
