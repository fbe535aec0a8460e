/**
 * The image operations on the local store, one test each, from a Node or Bun user's project
 * against the bed's real Podman service: exists, get (the `Image` model), list, tag/untag,
 * history, remove, prune and pruneBuilds. What each asserts is read back from Podman itself
 * (the CLI on the bed's storage) where podrx could fool itself.
 *
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { APIError, Image, ImageNotFound, PodmanClient } from "@podrx/podrx";
import { lastValueFrom } from "rxjs";
import {
  bed,
  importImage,
  podmanCli,
  removeImages,
  runtime,
  serverAtLeast,
  TEST_TIMEOUT_MS,
  uniqueName,
} from "./_bed.mjs";

const options = { timeout: TEST_TIMEOUT_MS };

describe(`images on the local store, on ${runtime}`, () => {
  const podman = new PodmanClient({ baseUrl: bed.baseUrl });
  after(() => podman.close());

  test(
    "exists() is true for a stored image and false for a missing one",
    options,
    async () => {
      assert.equal(
        await lastValueFrom(podman.images.exists(bed.busybox)),
        true,
      );
      assert.equal(
        await podman.images.promises.exists("localhost/podrx-npm/absent:1"),
        false,
      );
    },
  );

  test(
    "get() gives an Image with the seeded id, tags and labels",
    options,
    async () => {
      const image = await lastValueFrom(podman.images.get(bed.labeled));
      assert.ok(image instanceof Image);
      const cliId = (await podmanCli([
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        bed.labeled,
      ]))
        .trim();
      assert.equal(image.id, cliId);
      assert.equal(image.shortId, image.id.slice(0, 10));
      assert.deepEqual(image.tags, [bed.labeled]);
      assert.equal(image.labels["podrx.test"], "seed");
      assert.equal(image.attrs.Id, image.id);
      // The model's await twins: reload() reads the same image again.
      assert.equal((await image.promises.reload()).id, image.id);
    },
  );

  test("list() filters by a label given as an object", options, async () => {
    const marker = uniqueName("team", "localhost").split(":")[1];
    const name = uniqueName("labeled", "localhost");
    const id = await importImage(name, { "podrx.team": marker });
    try {
      await importImage(uniqueName("other", "localhost"), {
        "podrx.team": "someone-else",
      })
        .then((other) => removeImages(other));
      const listed = await lastValueFrom(
        podman.images.list({ filters: { label: { "podrx.team": marker } } }),
      );
      assert.deepEqual(listed.map((image) => image.id), [id]);
      assert.ok(listed[0] instanceof Image);
      assert.deepEqual(listed[0].tags, [name]);
    } finally {
      await removeImages(name);
    }
  });

  test(
    "Image.tag() adds a name list() finds; untag() takes it away",
    options,
    async () => {
      const repository = uniqueName("tagged", "localhost").split(":")[0];
      const image = await podman.images.promises.get(bed.busybox);
      try {
        assert.equal(await lastValueFrom(image.tag(repository, "v1")), true);
        const listed = await podman.images.promises.list({ name: repository });
        assert.deepEqual(listed.map((each) => each.id), [image.id]);
        assert.ok(listed[0].tags.includes(`${repository}:v1`));
        assert.equal(await image.promises.untag(repository, "v1"), true);
        assert.deepEqual(
          await podman.images.promises.list({ name: repository }),
          [],
        );
        // The image itself stays: only the name went.
        assert.equal(await podman.images.promises.exists(bed.busybox), true);
      } finally {
        await podmanCli(["untag", bed.busybox, `${repository}:v1`]).catch(
          () => {},
        );
      }
    },
  );

  test(
    "Image.history() lists the layers, in camelCase with the server's attrs",
    options,
    async () => {
      const image = await podman.images.promises.get(bed.busybox);
      const history = await lastValueFrom(image.history());
      assert.ok(history.length >= 1);
      assert.ok(
        history.some((layer) => layer.id === image.id || layer.id === `sha256:${image.id}`),
      );
      for (const layer of history) {
        assert.equal(layer.id, layer.attrs.Id);
        assert.equal(layer.createdBy, layer.attrs.CreatedBy);
        assert.equal(typeof layer.created, "number");
      }
    },
  );

  test(
    "remove(): 409 for an image a container uses, removed with force",
    options,
    async () => {
      const name = uniqueName("in-use", "localhost");
      const id = await importImage(name);
      const container = `podrx-npm-user-${id.slice(0, 8)}`;
      try {
        await podmanCli(["create", "--name", container, name, "/marker.txt"]);
        const error = await podman.images.promises.remove(name).catch((error) => error);
        assert.ok(error instanceof APIError, String(error));
        assert.equal(error.status, 409);
        assert.match(error.explanation, /in use by a container/);
        assert.ok(
          error.message.startsWith(`Cannot remove image "${name}": `),
          error.message,
        );
        assert.ok(error.message.endsWith("(409)"), error.message);
        const report = await lastValueFrom(
          podman.images.remove(name, { force: true }),
        );
        assert.ok(
          report.deleted.includes(id),
          `deleted ${report.deleted} lacks ${id}`,
        );
        assert.ok(report.untagged.includes(name));
        await assert.rejects(podman.images.promises.get(id), ImageNotFound);
        assert.equal(
          await podmanCli(["image", "exists", id]).then(
            () => true,
            () => false,
          ),
          false,
        );
      } finally {
        await podmanCli(["rm", "--force", container]).catch(() => {});
        await removeImages(name);
      }
    },
  );

  test(
    "prune() removes the dangling images its filter selects, and no other",
    options,
    async () => {
      const marker = uniqueName("prune", "localhost").split(":")[1];
      const dangling = [];
      for (let i = 0; i < 2; i++) {
        const name = uniqueName(`dangle-${i}`, "localhost");
        dangling.push(await importImage(name, { "podrx.prune": marker }));
        await podmanCli(["untag", name]);
      }
      const keeper = uniqueName("keep", "localhost");
      await importImage(keeper, { "podrx.prune": marker });
      try {
        const report = await lastValueFrom(
          podman.images.prune({
            filters: { label: { "podrx.prune": marker } },
          }),
        );
        assert.deepEqual(
          [...report.imagesDeleted].sort(),
          [...dangling].sort(),
        );
        assert.ok(report.spaceReclaimed > 0);
        for (const id of dangling) {
          assert.equal(
            await podman.images.promises.exists(id),
            false,
          );
        }
        assert.equal(await podman.images.promises.exists(keeper), true);
      } finally {
        await removeImages(keeper, ...dangling);
      }
    },
  );

  test(
    "pruneBuilds() reports what the server does, or that it cannot",
    options,
    async () => {
      // Podman 5.3 added the build cache prune; before, podrx sends nothing and says so.
      const supported = await serverAtLeast(podman, 5, 3);
      const report = await podman.images.promises.pruneBuilds();
      assert.equal(report.supported, supported);
      assert.ok(Array.isArray(report.cachesDeleted));
      if (!supported) {
        assert.deepEqual(report, {
          cachesDeleted: [],
          spaceReclaimed: undefined,
          supported,
        });
      }
    },
  );
});
