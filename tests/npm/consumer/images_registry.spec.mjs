/**
 * The image operations that talk to registries, one test each, from a Node or Bun user's
 * project against the bed's Podman service and registries: pull, push (open and htpasswd
 * registry), search, getRegistryData (the `RegistryData` model and its pull) and scp. What a
 * registry holds is read from the registry itself over HTTP, not from podrx.
 *
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { APIError, PodmanClient, RegistryData } from "@podrx/podrx";
import { lastValueFrom, toArray } from "rxjs";
import {
  bed,
  inRegistryOnly,
  podmanCli,
  removeImages,
  runtime,
  serverAtLeast,
  TEST_TIMEOUT_MS,
  uniqueName,
} from "./_bed.mjs";

const options = { timeout: TEST_TIMEOUT_MS };
const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** `host/repo:tag` split into the registry's URL parts. */
function parts(reference) {
  const slash = reference.indexOf("/");
  const colon = reference.lastIndexOf(":");
  return {
    host: reference.slice(0, slash),
    repository: reference.slice(slash + 1, colon),
    tag: reference.slice(colon + 1),
  };
}

/** The registry's own answer for a manifest: its digest, and the image id of its config. */
async function registryManifest(reference, headers = {}) {
  const { host, repository, tag } = parts(reference);
  const response = await fetch(
    `http://${host}/v2/${repository}/manifests/${tag}`,
    {
      headers: { ...headers, accept: MANIFEST_TYPES },
    },
  );
  const text = await response.text();
  assert.equal(response.status, 200, `${reference}: ${text}`);
  return {
    digest: response.headers.get("docker-content-digest"),
    imageId: JSON.parse(text).config?.digest?.replace(/^sha256:/, ""),
  };
}

function basicAuth() {
  return {
    authorization: `Basic ${btoa(`${bed.authUser}:${bed.authPassword}`)}`,
  };
}

describe(`images and registries, on ${runtime}`, () => {
  const podman = new PodmanClient({ baseUrl: bed.baseUrl });
  after(() => podman.close());

  test(
    "pull(): status lines as they come, then pulled with the registry's image",
    options,
    async () => {
      const name = uniqueName("pull");
      await inRegistryOnly(name);
      const busybox = await podman.images.promises.get(bed.busybox);
      try {
        assert.equal(await podman.images.promises.exists(name), false);
        const events = await lastValueFrom(
          podman.images.pull(name, { tlsVerify: false }).pipe(toArray()),
        );
        const last = events.at(-1);
        assert.equal(last.type, "pulled", JSON.stringify(events));
        assert.equal(last.image.id, busybox.id);
        assert.ok(last.image.tags.includes(name), last.image.tags.join(", "));
        assert.ok(events.length > 1, "no events before pulled");
        assert.equal((await registryManifest(name)).imageId, busybox.id);
        assert.equal(await podman.images.promises.exists(name), true);
      } finally {
        await removeImages(name);
      }
    },
  );

  test(
    "push() to the open registry: pushed, and the registry serves that image",
    options,
    async () => {
      const name = uniqueName("push");
      const image = await podman.images.promises.get(bed.busybox);
      const { repository, tag } = parts(name);
      await image.promises.tag(`${bed.registry}/${repository}`, tag);
      try {
        const events = await lastValueFrom(
          podman.images.push(name, { tlsVerify: false }).pipe(toArray()),
        );
        const last = events.at(-1);
        assert.equal(last.type, "pushed");
        assert.equal(last.destination, name);
        const manifest = await registryManifest(name);
        assert.equal(manifest.imageId, image.id);
        // Podman 5 and later report the registry's digest; 4.3 pushes blocking and reports none.
        if (await serverAtLeast(podman, 5)) {
          assert.equal(
            last.digest,
            manifest.digest,
          );
        }
      } finally {
        await podmanCli(["untag", bed.busybox, name]).catch(() => {});
      }
    },
  );

  test(
    "push() with authConfig to the htpasswd registry puts the image there",
    options,
    async () => {
      const name = uniqueName("auth-push", bed.authRegistry);
      const image = await podman.images.promises.get(bed.busybox);
      await podmanCli(["tag", bed.busybox, name]);
      try {
        const pushed = await podman.images.promises.push(name, {
          tlsVerify: false,
          authConfig: { username: bed.authUser, password: bed.authPassword },
        });
        assert.equal(pushed.type, "pushed");
        assert.equal(
          (await registryManifest(name, basicAuth())).imageId,
          image.id,
        );
      } finally {
        await podmanCli(["untag", bed.busybox, name]).catch(() => {});
      }
    },
  );

  test(
    "search() finds a pushed repository, and lists its tags",
    options,
    async () => {
      // A repository of its own: the runtimes before this one pushed tags of theirs.
      const name = uniqueName(
        `search-${Math.random().toString(36).slice(2, 8)}`,
      );
      const { repository, tag } = parts(name);
      const full = `${bed.registry}/${repository}`;
      await inRegistryOnly(name);
      const hits = await lastValueFrom(
        podman.images.search(full, { tlsVerify: false }),
      );
      const hit = hits.find((each) => each.name === full);
      assert.ok(hit, JSON.stringify(hits));
      assert.equal(hit.index, bed.registry);
      assert.equal(hit.attrs.Name, full);
      const tags = await podman.images.promises.search(full, {
        tlsVerify: false,
        listTags: true,
      });
      assert.deepEqual(tags.map((each) => each.tag), [tag]);
    },
  );

  test(
    "getRegistryData() reads a remote-only image; RegistryData.pull() fetches it",
    options,
    async () => {
      const name = uniqueName("registry-data");
      await inRegistryOnly(name);
      const busybox = await podman.images.promises.get(bed.busybox);
      try {
        assert.equal(await podman.images.promises.exists(name), false);
        const data = await lastValueFrom(
          podman.images.getRegistryData(name, { tlsVerify: false }),
        );
        assert.ok(data instanceof RegistryData);
        assert.equal(data.source, "registry");
        assert.equal(data.id, (await registryManifest(name)).digest);
        assert.equal(data.isList, false);
        const platform = `${busybox.attrs.Os}/${busybox.attrs.Architecture}`;
        assert.deepEqual(
          data.platforms.map((each) => `${each.os}/${each.architecture}`),
          [platform],
        );
        assert.equal(data.hasPlatform(platform), true);
        assert.equal(data.hasPlatform("windows/arm64"), false);
        const pulled = await data.promises.pull({ tlsVerify: false });
        assert.equal(pulled.id, busybox.id);
        assert.equal(await podman.images.promises.exists(name), true);
      } finally {
        await removeImages(name);
      }
    },
  );

  test(
    "scp(): the server's refusals reach the caller as APIError",
    options,
    async () => {
      // The bed has no SSH server, so a copy that reaches another host cannot be made here (as in
      // tests/images/scp_test.ts): what is asserted is Podman's own answer to two copies.
      const userCopy = await podman.images.promises.scp(bed.busybox, {
        destination: "root@localhost::",
      }).catch((error) => error);
      assert.ok(userCopy instanceof APIError, String(userCopy));
      assert.equal(userCopy.status, 400);
      assert.match(
        userCopy.explanation,
        /cannot use the user transfer function on the remote client/,
      );

      const source = `root@127.0.0.1:1::${bed.busybox}`;
      const refused = await lastValueFrom(podman.images.scp(source)).catch((
        error,
      ) => error);
      assert.ok(refused instanceof APIError, String(refused));
      assert.equal(refused.status, 500);
      assert.match(
        refused.explanation,
        /failed to connect: dial tcp 127\.0\.0\.1:1: .*connection refused/,
      );
      assert.ok(
        refused.message.startsWith(
          `Cannot copy image "${source}": failed to connect`,
        ),
      );
    },
  );
});
