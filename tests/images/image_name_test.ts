// An Image's messages name it the way the caller named it, against the real Podman service.
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { type Image, ImageNotFound, PodmanClient } from "../../mod.ts";
import { podmanCli, testBed } from "../bed/env.ts";
import { importImage, podmanOk, uniqueName } from "./_fixtures.ts";

const bed = testBed();

function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

/** The error a cold Observable ends with. */
async function failure(run: () => Promise<unknown>): Promise<ImageNotFound> {
  const error = await run().then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof ImageNotFound, `expected ImageNotFound, got ${error}`);
  return error;
}

/**
 * Every method of a model whose image is gone fails with its action naming `name` exactly
 * (the server's message after it names the id the request used).
 */
async function assertNamedInEveryMessage(image: Image, name: string): Promise<void> {
  const other = "localhost/podrx-other";
  const actions: [string, () => Promise<unknown>][] = [
    [`Cannot tag image "${name}" as "${other}:v1"`, () => lastValueFrom(image.tag(other, "v1"))],
    [
      `Cannot remove "${other}:v1" from image "${name}"`,
      () => lastValueFrom(image.untag(other, "v1")),
    ],
    [`Cannot read the history of image "${name}"`, () => lastValueFrom(image.history())],
    [`Cannot save image "${name}"`, () => lastValueFrom(image.save())],
    [`Cannot reload image "${name}"`, () => lastValueFrom(image.reload())],
    [`Cannot remove image "${name}"`, () => lastValueFrom(image.remove())],
  ];
  for (const [action, run] of actions) {
    const error = await failure(run);
    assert.ok(error.message.startsWith(`${action}: `), `"${error.message}" names "${action}"`);
    assert.ok(error.message.endsWith("(404)"), error.message);
  }
}

Deno.test("Image from get() goes by the name passed to get(), in every method's message", async () => {
  await using podman = connect();
  const repository = `localhost/${uniqueName("podrx-named")}`;
  const id = await importImage(`${repository}:1`);
  await podmanOk(["tag", id, `${repository}:2`]);
  // Asked for by its second tag: the messages say that one, not the first tag nor the id.
  const image = await lastValueFrom(podman.images.get(`${repository}:2`));
  assert.equal(image.name, `${repository}:2`);
  await podmanOk(["rmi", "--force", id]);
  await assertNamedInEveryMessage(image, `${repository}:2`);
});

Deno.test("Image from list() goes by its first tag; an untagged one by its short id", async () => {
  await using podman = connect();
  const name = `localhost/${uniqueName("podrx-listed")}:1`;
  const id = await importImage(name);
  const [listed] = await lastValueFrom(podman.images.list({ filters: { id } }));
  assert.ok(listed);
  assert.equal(listed.name, name);
  await podmanOk(["rmi", "--force", id]);
  await assertNamedInEveryMessage(listed, name);

  const untagged = podman.images.prepareModel({ Id: "0".repeat(64) });
  assert.equal(untagged.name, "0000000000");
  await assertNamedInEveryMessage(untagged, "0000000000");
});

Deno.test("Image from pull() goes by the reference pulled; from build() by its tag", async () => {
  await using podman = connect();
  const busybox = await lastValueFrom(podman.images.get(bed.busyboxImage));
  const repository = `${bed.registry}/podrx/${uniqueName("named-pull")}`;
  // Pulled by digest, which is never one of its tags: the name is the reference pulled.
  await lastValueFrom(busybox.tag(repository, "1"));
  await lastValueFrom(podman.images.push(repository, { tag: "1", tlsVerify: false }));
  const data = await podman.images.promises.getRegistryData(`${repository}:1`, {
    tlsVerify: false,
  });
  const reference = `${repository}@${data.id}`;
  try {
    const pulled = await podman.images.promises.pull(reference, { tlsVerify: false });
    assert.equal(pulled.name, reference);
    assert.ok(!pulled.tags.includes(reference));
  } finally {
    // The seeded image is shared: the names this test gave it go (a digest reference is a name
    // too, and would keep the image alive when another test removes its seeded tag).
    await podmanCli(["rmi", reference]);
    await lastValueFrom(busybox.untag(repository, "1")).catch(() => undefined);
  }

  // A short name, which the image's tags spell with "localhost/": the name is as given.
  const tag = `${uniqueName("podrx-named-build")}:1`;
  const { image: built } = await podman.images.promises.build({
    fileobj: `FROM ${bed.busyboxImage}\nLABEL podrx.named=${crypto.randomUUID()}\n`,
    tag: [tag, `${tag}-b`],
  });
  assert.equal(built.name, tag);
  assert.ok(built.tags.includes(`localhost/${tag}`));
  await podmanOk(["rmi", "--force", built.id]);
  await assertNamedInEveryMessage(built, tag);
});
