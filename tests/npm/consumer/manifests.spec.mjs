/**
 * Manifest lists from a Node or Bun user's project against the bed's Podman service and
 * registries: each operation of `manifests` (create, exists, get, remove) and of the
 * `Manifest` model (add, remove an entry, push, reload), the push checked against what the
 * htpasswd registry then serves. Every test removes its list: on Podman 4.3 a stored list can
 * break image listing. (Building a list for two platforms is the README's "Multi-platform
 * images", run by readme.spec.mjs.)
 *
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { APIError, Manifest, NotFound, PodmanClient } from "@podrx/podrx";
import { lastValueFrom, toArray } from "rxjs";
import { bed, runtime, TEST_TIMEOUT_MS, uniqueName } from "./_bed.mjs";

const options = { timeout: TEST_TIMEOUT_MS };

describe(`manifests, on ${runtime}`, () => {
  const podman = new PodmanClient({ baseUrl: bed.baseUrl });
  after(() => podman.close());

  test(
    "create, exists, get, add, remove an entry, remove the list",
    options,
    async () => {
      const list = uniqueName("list", "localhost");
      try {
        assert.equal(await lastValueFrom(podman.manifests.exists(list)), false);
        const created = await lastValueFrom(podman.manifests.create(list));
        assert.ok(created instanceof Manifest);
        assert.equal(created.name, list);
        assert.match(created.id, /^[0-9a-f]{64}$/);
        assert.deepEqual(created.manifests, []);
        assert.equal(await podman.manifests.promises.exists(list), true);

        const busybox = await podman.images.promises.get(bed.busybox);
        const added = await lastValueFrom(created.add([busybox]));
        assert.equal(added, created, "add() refreshes the same model");
        assert.equal(added.manifests.length, 1);
        assert.deepEqual(added.platforms, [
          `${busybox.attrs.Os}/${busybox.attrs.Architecture}`,
        ]);

        const fetched = await podman.manifests.promises.get(list);
        assert.equal(fetched.manifests[0].digest, added.manifests[0].digest);
        assert.match(String(fetched.mediaType), /index|list/);

        await created.promises.remove(added.manifests[0].digest);
        assert.deepEqual(created.manifests, []);
        assert.deepEqual((await fetched.promises.reload()).manifests, []);

        const report = await podman.manifests.promises.remove(created);
        assert.deepEqual(report.untagged, [list]);
        assert.equal(await podman.manifests.promises.exists(list), false);
        // The image the list named stays.
        assert.equal(await podman.images.promises.exists(bed.busybox), true);
        await assert.rejects(podman.manifests.promises.get(list), NotFound);
      } finally {
        await podman.manifests.promises.remove(list).catch(() => {});
      }
    },
  );

  test(
    "Manifest.push() to the htpasswd registry: refused without credentials, pushed with them",
    options,
    async () => {
      const list = uniqueName("push-list", "localhost");
      const destination = uniqueName("push-list", bed.authRegistry);
      const authConfig = { username: bed.authUser, password: bed.authPassword };
      try {
        const manifest = await podman.manifests.promises.create(list, {
          images: [`containers-storage:${bed.busybox}`],
        });
        const refused = await manifest.promises.push(destination, {
          tlsVerify: false,
        })
          .catch((error) => error);
        assert.ok(refused instanceof APIError, String(refused));
        assert.ok(
          refused.message.startsWith(
            `Cannot push manifest list "${list}" to "${destination}": `,
          ),
          refused.message,
        );
        assert.match(refused.message, /authentication required/);
        assert.ok(!refused.message.includes(bed.authPassword));

        const events = await lastValueFrom(
          manifest.push(destination, { tlsVerify: false, authConfig }).pipe(
            toArray(),
          ),
        );
        const pushed = events.at(-1);
        assert.equal(pushed.type, "pushed");
        const data = await podman.images.promises.getRegistryData(destination, {
          tlsVerify: false,
          authConfig,
        });
        assert.equal(data.isList, true);
        assert.equal(
          pushed.digest,
          data.id,
          "the index digest the push reported is the registry's",
        );
      } finally {
        await podman.manifests.promises.remove(list).catch(() => {});
      }
    },
  );
});
