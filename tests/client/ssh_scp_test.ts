import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { APIError, PodmanClient } from "../../mod.ts";
import { removeDir } from "../bed/_process.ts";
import { podmanProgram, storageConfText, testBed } from "../bed/env.ts";
import { bedPodmanPath, startSshAgent, startSshd } from "./_sshd.ts";

const bed = testBed();

// Podman (4.3 to 6.1 alike) runs `podman image scp` on the server by executing `podman save` and, over SSH,
// `podman load` as new processes. Those see neither the service's --root/--runroot flags nor
// the connection's recorded identity, so the copy works only when:
// - the service's storage is set by CONTAINERS_STORAGE_CONF (inherited by `podman save`),
// - the key is in an ssh-agent the service can reach (SSH_AUTH_SOCK),
// - the host key is in $HOME/.ssh/known_hosts of the service,
// - the remote's sshd offers SFTP, and its sessions see the remote storage.
Deno.test("ImagesManager.scp() copies an image to another host over the server's SSH", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-scp-" });
  try {
    // Short paths: Podman limits the runroot to 50 characters.
    await Deno.writeTextFile(
      `${dir}/remote.conf`,
      storageConfText(`${dir}/r/root`, `${dir}/r/run`),
    );
    await Deno.writeTextFile(`${dir}/local.conf`, storageConfText(bed.root, bed.runroot));
    await using sshd = await startSshd({
      // The remote end's `podman load` is the bed's Podman too.
      sessionEnv: { ...bedPodmanPath(), CONTAINERS_STORAGE_CONF: `${dir}/remote.conf` },
    });
    await using agent = await startSshAgent(sshd.identity);
    await Deno.mkdir(`${dir}/home/.ssh`, { recursive: true });
    await Deno.copyFile(sshd.knownHosts, `${dir}/home/.ssh/known_hosts`);
    await Deno.writeTextFile(
      `${dir}/containers.conf`,
      [
        "[engine.service_destinations.remote]",
        `uri = "${sshd.url("/run/podman/podman.sock")}"`,
        `identity = "${sshd.identity}"`,
        "",
      ].join("\n"),
    );
    // The bed's own Podman, never another version: storage one version has written, another
    // may refuse (Podman 6 refuses the BoltDB state file Podman 4 leaves).
    await using podman = await PodmanClient.spawn({
      podmanPath: podmanProgram(),
      env: {
        HOME: `${dir}/home`,
        SSH_AUTH_SOCK: agent.socket,
        CONTAINERS_STORAGE_CONF: `${dir}/local.conf`,
        CONTAINERS_CONF: `${dir}/containers.conf`,
        CONTAINERS_REGISTRIES_CONF: bed.registriesConf,
      },
    });
    const expectedId = (await lastValueFrom(podman.images.get(bed.busyboxImage))).id;

    // By address, and by the connection name the server knows.
    for (const destination of [`${sshd.login}:${sshd.port}::`, "remote::"]) {
      const report = await lastValueFrom(podman.images.scp(bed.busyboxImage, { destination }));
      // Podman 4.3 reports the name it loaded, not an id.
      assert.equal(report.id, bed.busyboxImage);
      assert.equal(await remoteImageId(`${dir}/remote.conf`, bed.busyboxImage), expectedId);
      await remoteImageRemove(`${dir}/remote.conf`, bed.busyboxImage);
    }
  } finally {
    await removeDir(dir);
  }
});

Deno.test("ImagesManager.scp() of a service on --root storage fails: its `podman save` looks elsewhere (4.3 to 6.1)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-scp-" });
  try {
    await using sshd = await startSshd();
    // The bed's own configuration: storage given as flags. TMPDIR catches the empty temp
    // file that Podman 4.3 leaves behind when the copy fails.
    await using podman = await PodmanClient.spawn({
      podmanPath: podmanProgram(),
      root: bed.root,
      runroot: bed.runroot,
      storageDriver: "vfs",
      env: { TMPDIR: dir, CONTAINERS_REGISTRIES_CONF: bed.registriesConf },
    });
    assert.equal(await lastValueFrom(podman.images.exists(bed.busyboxImage)), true);
    const error = await lastValueFrom(
      podman.images.scp(bed.busyboxImage, { destination: `${sshd.login}:${sshd.port}::` }),
    ).then(() => assert.fail("expected a failure"), (error: unknown) => error);
    assert.ok(error instanceof APIError, String(error));
    // The service's log says "image not known"; the API answer only carries the exit status.
    assert.equal(error.status, 500);
    assert.equal(error.explanation, "exit status 125");
    assert.match(await Deno.readTextFile(podman.service!.logPath), /image not known/);
  } finally {
    await removeDir(dir);
  }
});

async function remoteImageId(storageConfPath: string, name: string): Promise<string> {
  const output = await new Deno.Command(podmanProgram(), {
    args: ["image", "inspect", "--format", "{{.Id}}", name],
    env: { CONTAINERS_STORAGE_CONF: storageConfPath },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  assert.equal(output.code, 0, decoder.decode(output.stderr));
  return decoder.decode(output.stdout).trim();
}

async function remoteImageRemove(storageConfPath: string, name: string): Promise<void> {
  const output = await new Deno.Command(podmanProgram(), {
    args: ["rmi", name],
    env: { CONTAINERS_STORAGE_CONF: storageConfPath },
    stdin: "null",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
}
