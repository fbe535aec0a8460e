/**
 * How a Node or Bun user reaches a service other than through a socket path: over `ssh://`
 * (podrx's own ssh tunnel, as on Deno), a named connection from `podman-connections.json`, and
 * discovery through `CONTAINER_HOST`. The SSH server is the one tests/npm/with_bed.ts starts.
 *
 * @module
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import process from "node:process";
import { ConnectionError, PodmanClient } from "@podrx/podrx";
import { bed, TEST_TIMEOUT_MS } from "./_bed.mjs";

const ssh = {
  url: process.env.PODRX_NPM_SSH_URL,
  port: process.env.PODRX_NPM_SSH_PORT,
  identity: process.env.PODRX_NPM_SSH_IDENTITY,
  knownHosts: process.env.PODRX_NPM_SSH_KNOWN_HOSTS,
  emptyKnownHosts: process.env.PODRX_NPM_SSH_EMPTY_KNOWN_HOSTS,
};
const options = { timeout: TEST_TIMEOUT_MS };

/** The pids of the ssh clients connected to the bed's SSH server (read from /proc). */
async function sshClients() {
  const pids = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let argv;
    try {
      argv = (await readFile(`/proc/${name}/cmdline`, "utf8")).split("\0");
    } catch {
      continue; // Gone while we looked.
    }
    const port = argv.indexOf("-p");
    if (argv[0]?.split("/").pop() === "ssh" && port !== -1 && argv[port + 1] === ssh.port) {
      pids.push(Number(name));
    }
  }
  return pids;
}

/** Runs `body` with XDG_CONFIG_HOME at a fresh directory and no discovery variables set. */
async function withConfigHome(body) {
  const names = [
    "XDG_CONFIG_HOME",
    "CONTAINERS_CONF",
    "CONTAINER_HOST",
    "CONTAINER_SSHKEY",
    "CONTAINER_CONNECTION",
    "DOCKER_HOST",
    "XDG_RUNTIME_DIR",
  ];
  const saved = names.map((name) => [name, process.env[name]]);
  const dir = await mkdtemp(`${tmpdir()}/podrx-npm-config-`);
  try {
    for (const name of names) delete process.env[name];
    process.env.XDG_CONFIG_HOME = dir;
    // No rootless socket of the machine's can answer for the bed.
    process.env.XDG_RUNTIME_DIR = `${dir}/run`;
    await mkdir(`${dir}/containers`);
    await body(`${dir}/containers`);
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await rm(dir, { recursive: true, force: true });
  }
}

test("ssh:// lists and gets through one ssh tunnel, which close() ends", options, async () => {
  assert.ok(ssh.url, "tests/npm/with_bed.ts passes the SSH server");
  const direct = new PodmanClient({ baseUrl: bed.baseUrl });
  const expected = await direct.images.promises.get(bed.busybox).finally(() => direct.close());
  const podman = new PodmanClient({
    baseUrl: ssh.url,
    identity: ssh.identity,
    sshKnownHostsFile: ssh.knownHosts,
  });
  try {
    const images = await podman.images.promises.list();
    assert.ok(images.some((image) => image.tags.includes(bed.busybox)));
    assert.equal((await podman.images.promises.get(bed.busybox)).id, expected.id);
    assert.equal((await sshClients()).length, 1, "both requests went through one ssh client");
  } finally {
    await podman.close();
  }
  assert.deepEqual(await sshClients(), [], "an ssh client outlived close()");
});

test("ssh:// refuses a host key it does not know", options, async () => {
  const podman = new PodmanClient({
    baseUrl: ssh.url,
    identity: ssh.identity,
    sshKnownHostsFile: ssh.emptyKnownHosts,
  });
  try {
    const error = await podman.images.promises.list().then(() => undefined, (error) => error);
    assert.ok(error instanceof ConnectionError, String(error));
    assert.match(error.message, /^Cannot list images: cannot reach Podman at ssh:\/\//);
    assert.match(error.message, /Host key verification failed|host key/i);
  } finally {
    await podman.close();
  }
  assert.deepEqual(await sshClients(), []);
});

test("a named connection from podman-connections.json, and CONTAINER_HOST", options, async () => {
  await withConfigHome(async (containers) => {
    await writeFile(
      `${containers}/podman-connections.json`,
      JSON.stringify({
        Connection: {
          Default: "bed",
          Connections: {
            bed: { URI: bed.baseUrl, Identity: "", IsMachine: false },
            viassh: { URI: ssh.url, Identity: ssh.identity },
          },
        },
        Farm: {},
      }),
    );
    const named = new PodmanClient({ connection: "bed" });
    try {
      assert.equal(await named.images.promises.exists(bed.labeled), true);
    } finally {
      await named.close();
    }
    // The default connection, found without any option.
    const found = new PodmanClient();
    try {
      assert.equal(await found.images.promises.exists(bed.labeled), true);
    } finally {
      await found.close();
    }
    const viaSsh = new PodmanClient({ connection: "viassh", sshKnownHostsFile: ssh.knownHosts });
    try {
      assert.equal(await viaSsh.images.promises.exists(bed.labeled), true);
      assert.equal((await sshClients()).length, 1, "the request did not go over SSH");
    } finally {
      await viaSsh.close();
    }
    const missing = new PodmanClient({ connection: "nope" });
    try {
      await assert.rejects(missing.images.promises.list(), /nope/);
    } finally {
      await missing.close();
    }
  });
  await withConfigHome(async () => {
    process.env.CONTAINER_HOST = bed.baseUrl;
    const podman = new PodmanClient();
    try {
      assert.equal(await podman.images.promises.exists(bed.labeled), true);
    } finally {
      await podman.close();
    }
  });
});
