// remove() options that only some servers read (ignore, lookupManifest), against the real
// Podman service: what is gone and what stays afterwards, gated on the version that reads the
// option, and on older servers that the option is refused before anything is sent.
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { APIError, ImageNotFound, PodmanClient, PodmanError } from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { serverAtLeast, serverVersion } from "../bed/server_version.ts";
import { importImage, uniqueName } from "./_fixtures.ts";
import { recordingClient } from "./_recording_client.ts";

const bed = testBed();

function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

Deno.test("remove() with ignore (Podman 5.4+) of a missing image reports nothing removed", async () => {
  await using podman = connect();
  const missing = `localhost/podrx/${uniqueName("missing")}:1`;
  if (!(await serverAtLeast(5, 4))) {
    const { podman: recording, paths } = recordingClient();
    await using _ = recording;
    const [major, minor, patch] = await serverVersion();
    await assert.rejects(
      lastValueFrom(recording.images.remove(missing, { ignore: true })),
      (error: unknown) => {
        assert.ok(error instanceof PodmanError && !(error instanceof APIError), String(error));
        assert.equal(
          error.message,
          `Cannot remove image "${missing}": ignore needs Podman 5.4 or later; ` +
            `the server runs ${major}.${minor}.${patch}`,
        );
        return true;
      },
    );
    // The version was read; the DELETE never went out.
    assert.deepEqual(paths.filter((path) => path.includes("/images/")), [], paths.join(", "));
    return;
  }
  const report = await lastValueFrom(podman.images.remove(missing, { ignore: true }));
  assert.deepEqual({ deleted: report.deleted, untagged: report.untagged }, {
    deleted: [],
    untagged: [],
  });
  // Without it, the same name is an error: ignore is what made the difference.
  await assert.rejects(lastValueFrom(podman.images.remove(missing)), ImageNotFound);
});

Deno.test("remove() with ignore (Podman 5.4+) still removes an image that is there", async () => {
  if (!(await serverAtLeast(5, 4))) return; // the refusal is the test above
  await using podman = connect();
  const name = `localhost/podrx/${uniqueName("present")}:1`;
  const id = await importImage(name);
  const report = await lastValueFrom(podman.images.remove(name, { ignore: true }));
  assert.deepEqual(report.deleted, [id]);
  assert.equal(await lastValueFrom(podman.images.exists(name)), false);
});

Deno.test("remove() with lookupManifest (Podman 4.2+) removes the manifest list and keeps its image", async () => {
  await using podman = connect();
  const name = uniqueName("rmlist");
  const image = `localhost/podrx/${name}-image:1`;
  const list = `localhost/podrx/${name}-list:1`;
  const id = await importImage(image);
  try {
    await podman.manifests.promises.create(list, { images: [`containers-storage:${image}`] });
    const report = await lastValueFrom(podman.images.remove(list, { lookupManifest: true }));
    assert.equal(report.deleted.includes(id), false, JSON.stringify(report));
    assert.equal(await podman.manifests.promises.exists(list), false);
    assert.equal(await lastValueFrom(podman.images.exists(image)), true);
  } finally {
    await podman.images.promises.remove(image, { force: true }).catch(() => {});
    await podman.manifests.promises.remove(list).catch(() => {});
  }
});

Deno.test("remove() with lookupManifest (Podman 4.2+) of a name that is no list fails and keeps it", async () => {
  await using podman = connect();
  const image = `localhost/podrx/${uniqueName("nolist")}:1`;
  await importImage(image);
  try {
    const error = await lastValueFrom(podman.images.remove(image, { lookupManifest: true })).then(
      () => assert.fail("removed an image that is no manifest list"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof APIError, String(error));
    assert.match(error.message, new RegExp(`^Cannot remove image "${image}": .*manifest list`));
    assert.equal(await lastValueFrom(podman.images.exists(image)), true);
  } finally {
    await podman.images.promises.remove(image, { force: true }).catch(() => {});
  }
});
