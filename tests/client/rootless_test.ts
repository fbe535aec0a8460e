// CI's rootless leg runs the whole suite as a user with subordinate ids; the bed's service
// then listens on that user's `$XDG_RUNTIME_DIR/podman/podman.sock`, as a rootless user's
// own service does. These tests hold only there.
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { podmanCli, podmanProgram, testBed } from "../bed/env.ts";

const bed = testBed();
const rootless = Deno.uid() !== 0;

Deno.test({
  name: "new PodmanClient() without a URL finds a rootless user's service and builds with RUN",
  ignore: !rootless,
  async fn() {
    await using podman = new PodmanClient();
    const response = await podman.request({ path: "/info", action: "Cannot read info" });
    const info = await response.json() as {
      host: { security: { rootless: boolean } };
      store: { graphRoot: string };
    };
    assert.equal(info.host.security.rootless, true);
    // The bed's own storage, so the service found is the bed's, not some other one.
    assert.equal(info.store.graphRoot, bed.root);

    const dir = await Deno.makeTempDir({ prefix: "podrx-rootless-" });
    try {
      await Deno.writeTextFile(
        `${dir}/Containerfile`,
        `FROM ${bed.busyboxImage}\nRUN echo "uid=$(id -u)" > /who && cat /who\n`,
      );
      const tag = `localhost/podrx-rootless:${crypto.randomUUID().slice(0, 8)}`;
      const built = await podman.images.promises.build({ path: dir, tag });
      // Inside the build's user namespace the step runs as root.
      assert.ok(built.log.some((line) => line.includes("uid=0")), built.log.join(""));
      await podman.images.promises.remove(built.image.id, { force: true });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    assert.ok(Array.isArray(await lastValueFrom(podman.images.list())));
  },
});

Deno.test({
  name:
    "PodmanClient.spawn() of a rootless user removes its private storage, files of subordinate ids included",
  ignore: !rootless,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "podrx-rootless-" });
    const podman = await PodmanClient.spawn({
      podmanPath: podmanProgram(),
      storage: "private",
      storageDriver: "vfs",
      env: { BUILDAH_ISOLATION: "chroot", TMPDIR: dir },
    });
    const service = podman.service!;
    try {
      const archive = `${dir}/busybox.tar`;
      const saved = await podmanCli(["save", "-o", archive, bed.busyboxImage]);
      assert.equal(saved.code, 0, saved.stderr);
      await podman.images.promises.load(archive);
      // Owned by uid 1000 inside the build's namespace: a subordinate id on the host, whose
      // files in a directory of its own the user may not remove.
      await Deno.writeTextFile(
        `${dir}/Containerfile`,
        `FROM ${bed.busyboxImage}\nRUN mkdir /own && touch /own/file && chown -R 1000:1000 /own && chmod 700 /own\n`,
      );
      await podman.images.promises.build({ path: dir, tag: "localhost/podrx-subuid:1" });
    } finally {
      await podman.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    assert.equal(await exists(service.dir), false, `${service.dir} is still there`);
  },
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
