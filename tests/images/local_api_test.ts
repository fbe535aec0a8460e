/**
 * Load and build read in place (Podman's `/libpod/local/...` endpoints, 5.7 and later) against
 * the real service: used when the service sees the file, not when it cannot, the same image
 * either way. The bed's chroot services (`PODRX_PODMAN=sid|experimental`) see the host's /tmp
 * at the same path and nothing else of the host's files (.ci/chroot/podman), which is what
 * tells a file they see from one they do not. A counting proxy in front of the service notes
 * which endpoint each request went to.
 *
 * @module
 */

import assert from "node:assert/strict";
import { lastValueFrom, toArray } from "rxjs";
import { PodmanClient } from "../../src/client/podman_client.ts";
import { PodmanError } from "../../src/errors.ts";
import type { Image } from "../../src/images/image.ts";
import { podmanCli, testBed } from "../bed/env.ts";
import { serverAtLeast, serverVersion } from "../bed/server_version.ts";
import { startSshd } from "../client/_sshd.ts";
import { type CountingProxy, startCountingProxy } from "../fake/counting_proxy.ts";
import { importImage, uniqueName } from "./_fixtures.ts";

const bed = testBed();
const hasLocalApi = await serverAtLeast(5, 7);
// A chroot's service sees /tmp (and $TMPDIR) of the host, nothing else; the host's sees all.
const chroot = Deno.env.get("PODRX_PODMAN_CHROOT") !== undefined;

/** A directory the chroot's service sees at the same path. */
function sharedDir(prefix: string): Promise<string> {
  return Deno.makeTempDir({ dir: "/tmp", prefix });
}

/**
 * A directory the chroot's service does not see: /var/tmp is the chroot's own, unless it is
 * where $TMPDIR points (the launcher shares that too); then one in the checkout.
 */
function unsharedDir(prefix: string): Promise<string> {
  const tmpdir = Deno.env.get("TMPDIR");
  const sharedTmp = tmpdir !== undefined &&
    (tmpdir === "/var/tmp" || tmpdir.startsWith("/var/tmp/"));
  const checkout = decodeURIComponent(new URL("../..", import.meta.url).pathname);
  return Deno.makeTempDir({ dir: sharedTmp ? checkout : "/var/tmp", prefix });
}

/** A libpod request the proxy saw: the path below `/vX/libpod` and the query. */
interface Hit {
  method: string;
  path: string;
  query: URLSearchParams;
}

function hitsSince(proxy: CountingProxy, from: number): Hit[] {
  return proxy.requests.slice(from).map((line) => {
    const [method = "", target = ""] = line.split(" ");
    const url = new URL(target, "http://libpod");
    return { method, path: url.pathname.replace(/^\/v[^/]+\/libpod/, ""), query: url.searchParams };
  });
}

/** The hits on `path` (e.g. `/images/load`), probes apart. */
function on(hits: Hit[], path: string): Hit[] {
  return hits.filter((hit) => hit.path === path && !isProbe(hit));
}

function isProbe(hit: Hit): boolean {
  return hit.path === "/local/images/load" && /\/\.podrx-probe-[^/]*$/.test(hit.query.get("path")!);
}

async function probeFilesIn(dir: string): Promise<string[]> {
  const left: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".podrx-probe-")) left.push(entry.name);
  }
  return left;
}

/** A throwaway image saved to `archive`, then removed from the storage; returns its id. */
async function savedScratchImage(client: PodmanClient, archive: string): Promise<string> {
  const name = `localhost/podrx-test/${uniqueName("local")}:1`;
  const id = await importImage(name);
  await lastValueFrom((await lastValueFrom(client.images.get(name))).saveToFile(archive));
  await podmanCli(["rmi", "--force", name]);
  return id;
}

async function loadIds(
  client: PodmanClient,
  path: string,
  via?: "auto" | "upload" | "local",
): Promise<string[]> {
  const images = await lastValueFrom(client.images.load(path, via ? { via } : {}).pipe(toArray()));
  return images.map((image) => image.id);
}

Deno.test({
  name: "load(path) reads a file the service sees in place, uploads one it does not; same image",
  ignore: !(hasLocalApi && chroot),
  async fn() {
    await using proxy = await startCountingProxy(bed.socketPath);
    await using client = new PodmanClient({ baseUrl: `unix://${proxy.socketPath}` });
    const shared = await sharedDir("podrx-local-");
    const unshared = await unsharedDir("podrx-local-");
    try {
      const id = await savedScratchImage(client, `${shared}/image.tar`);
      await Deno.copyFile(`${shared}/image.tar`, `${unshared}/image.tar`);

      let from = proxy.requests.length;
      assert.deepEqual(await loadIds(client, `${shared}/image.tar`), [id]);
      let hits = hitsSince(proxy, from);
      assert.deepEqual(
        on(hits, "/local/images/load").map((hit) => hit.query.get("path")),
        [`${shared}/image.tar`],
      );
      assert.deepEqual(on(hits, "/images/load"), [], "nothing uploaded");
      assert.equal(hits.filter(isProbe).length, 1, "one probe of the directory");
      await podmanCli(["rmi", "--force", id]);

      from = proxy.requests.length;
      assert.deepEqual(await loadIds(client, `${unshared}/image.tar`), [id]);
      hits = hitsSince(proxy, from);
      assert.equal(on(hits, "/images/load").length, 1, "uploaded");
      assert.deepEqual(on(hits, "/local/images/load"), []);
      assert.equal(hits.filter(isProbe).length, 1, "the probe the service could not see");
      await podmanCli(["rmi", "--force", id]);

      // Both answers are kept for the client: no probe the second time.
      from = proxy.requests.length;
      assert.deepEqual(await loadIds(client, `${shared}/image.tar`), [id]);
      assert.deepEqual(await loadIds(client, `${unshared}/image.tar`), [id]);
      hits = hitsSince(proxy, from);
      assert.deepEqual(hits.filter(isProbe), []);
      assert.equal(on(hits, "/local/images/load").length, 1);
      assert.equal(on(hits, "/images/load").length, 1);
      await podmanCli(["rmi", "--force", id]);

      assert.deepEqual(await probeFilesIn(shared), [], "probe files left behind");
      assert.deepEqual(await probeFilesIn(unshared), [], "probe files left behind");
    } finally {
      await Deno.remove(shared, { recursive: true });
      await Deno.remove(unshared, { recursive: true });
    }
  },
});

Deno.test({
  name: 'load(path, { via }) "upload" never probes; "local" fails before sending what it cannot',
  ignore: !(hasLocalApi && chroot),
  async fn() {
    await using proxy = await startCountingProxy(bed.socketPath);
    await using client = new PodmanClient({ baseUrl: `unix://${proxy.socketPath}` });
    const shared = await sharedDir("podrx-local-");
    const unshared = await unsharedDir("podrx-local-");
    try {
      const id = await savedScratchImage(client, `${shared}/image.tar`);
      await Deno.copyFile(`${shared}/image.tar`, `${unshared}/image.tar`);

      let from = proxy.requests.length;
      assert.deepEqual(await loadIds(client, `${shared}/image.tar`, "upload"), [id]);
      let hits = hitsSince(proxy, from);
      assert.equal(on(hits, "/images/load").length, 1);
      assert.deepEqual(hits.filter((hit) => hit.path === "/local/images/load"), [], "no probe");
      await podmanCli(["rmi", "--force", id]);

      from = proxy.requests.length;
      await assert.rejects(
        loadIds(client, `${unshared}/image.tar`, "local"),
        (error: Error) => {
          assert.ok(error instanceof PodmanError, String(error));
          assert.equal(
            error.message,
            `Cannot load images from "${unshared}/image.tar": via "local": the service cannot ` +
              `read it in place: it does not see "${unshared}" (it runs on another machine, ` +
              "in a container or in another mount namespace)",
          );
          return true;
        },
      );
      hits = hitsSince(proxy, from);
      assert.deepEqual(hits.filter((hit) => !isProbe(hit)), [], "only the probe was sent");
      assert.equal((await podmanCli(["image", "exists", id])).code, 1, "nothing was loaded");

      assert.deepEqual(await loadIds(client, `${shared}/image.tar`, "local"), [id]);
      await podmanCli(["rmi", "--force", id]);
    } finally {
      await Deno.remove(shared, { recursive: true });
      await Deno.remove(unshared, { recursive: true });
    }
  },
});

/** Writes a context whose COPY takes every file but the ignored ones. */
async function writeContext(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/sub`);
  await Deno.writeTextFile(`${dir}/Containerfile`, "FROM scratch\nCOPY . /context/\n");
  await Deno.writeTextFile(`${dir}/.containerignore`, "*.log\n");
  await Deno.writeTextFile(`${dir}/a.txt`, crypto.randomUUID());
  await Deno.writeTextFile(`${dir}/sub/b.txt`, "b\n");
  await Deno.writeTextFile(`${dir}/skipped.log`, "not in the image\n");
  await Deno.symlink("a.txt", `${dir}/link`);
}

async function buildImage(
  client: PodmanClient,
  path: string,
  via?: "auto" | "upload" | "local",
): Promise<Image> {
  const { image } = await client.images.promises.build({
    path,
    tag: `localhost/podrx-test/${uniqueName("local-build")}:1`,
    ...(via ? { via } : {}),
  });
  return image;
}

Deno.test({
  name:
    "build({ path }) reads a context the service sees in place, uploads one it does not; same image",
  ignore: !(hasLocalApi && chroot),
  async fn() {
    await using proxy = await startCountingProxy(bed.socketPath);
    await using client = new PodmanClient({ baseUrl: `unix://${proxy.socketPath}` });
    const shared = await sharedDir("podrx-local-build-");
    const unshared = await unsharedDir("podrx-local-build-");
    const built: Image[] = [];
    try {
      // New content (a random file), so the first build below builds anew.
      await writeContext(shared);
      // The same files, times and modes in a directory the service does not see.
      const copy = await new Deno.Command("cp", { args: ["-a", `${shared}/.`, unshared] }).output();
      assert.ok(copy.success, new TextDecoder().decode(copy.stderr));

      let from = proxy.requests.length;
      built.push(await buildImage(client, shared, "upload"));
      assert.equal(on(hitsSince(proxy, from), "/build").length, 1, "uploaded");

      // The layer cache takes the uploaded build's step only for the same content (its key
      // holds a digest of what COPY takes): the same image id means the same files went in,
      // the ignored one left out as in the upload.
      from = proxy.requests.length;
      built.push(await buildImage(client, shared));
      let hits = hitsSince(proxy, from);
      assert.deepEqual(on(hits, "/local/build").map((hit) => hit.query.get("localcontextdir")), [
        shared,
      ]);
      assert.deepEqual(on(hits, "/build"), [], "nothing uploaded");

      from = proxy.requests.length;
      built.push(await buildImage(client, unshared));
      hits = hitsSince(proxy, from);
      assert.equal(on(hits, "/build").length, 1, "uploaded");
      assert.deepEqual(on(hits, "/local/build"), []);

      assert.deepEqual(built.map((image) => image.id), Array(3).fill(built[0]!.id));
      assert.deepEqual(await probeFilesIn(shared), [], "probe files left behind");
      assert.deepEqual(await probeFilesIn(unshared), [], "probe files left behind");
    } finally {
      for (const image of built) await podmanCli(["rmi", "--force", image.id]);
      await Deno.remove(shared, { recursive: true });
      await Deno.remove(unshared, { recursive: true });
    }
  },
});

Deno.test({
  name: "build({ path }) uploads when the Dockerfile lies where the service cannot see it",
  ignore: !(hasLocalApi && chroot),
  async fn() {
    await using proxy = await startCountingProxy(bed.socketPath);
    await using client = new PodmanClient({ baseUrl: `unix://${proxy.socketPath}` });
    const shared = await sharedDir("podrx-local-build-");
    const unshared = await unsharedDir("podrx-local-build-");
    try {
      await Deno.writeTextFile(`${shared}/a.txt`, "a\n");
      await Deno.writeTextFile(`${unshared}/Containerfile`, "FROM scratch\nCOPY a.txt /a.txt\n");
      const from = proxy.requests.length;
      const { image } = await client.images.promises.build({
        path: shared,
        dockerfile: `${unshared}/Containerfile`,
      });
      await podmanCli(["rmi", "--force", image.id]);
      const hits = hitsSince(proxy, from);
      assert.equal(on(hits, "/build").length, 1, "uploaded");
      assert.deepEqual(on(hits, "/local/build"), []);
      await assert.rejects(
        client.images.promises.build({
          path: shared,
          dockerfile: `${unshared}/Containerfile`,
          via: "local",
        }),
        { name: "PodmanError", message: new RegExp(`does not see "${unshared}"`) },
      );
    } finally {
      await Deno.remove(shared, { recursive: true });
      await Deno.remove(unshared, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "build({ path, secrets }) uploads even where the service sees the context; the secret stays",
  ignore: !(hasLocalApi && chroot),
  async fn() {
    await using proxy = await startCountingProxy(bed.socketPath);
    await using client = new PodmanClient({ baseUrl: `unix://${proxy.socketPath}` });
    const shared = await sharedDir("podrx-local-build-");
    try {
      await Deno.writeTextFile(`${shared}/Containerfile`, "FROM scratch\nCOPY a.txt /a.txt\n");
      await Deno.writeTextFile(`${shared}/a.txt`, "a\n");
      await Deno.writeTextFile(`${shared}/token`, "s3cret\n");
      const secrets = ["id=token,src=token"];
      const from = proxy.requests.length;
      const { image } = await client.images.promises.build({ path: shared, secrets });
      await podmanCli(["rmi", "--force", image.id]);
      const hits = hitsSince(proxy, from);
      assert.equal(on(hits, "/build").length, 1, "uploaded");
      assert.deepEqual(hits.filter((hit) => hit.path.startsWith("/local/")), [], "no probe");
      assert.equal(await Deno.readTextFile(`${shared}/token`), "s3cret\n");
      await assert.rejects(
        client.images.promises.build({ path: shared, secrets, via: "local" }),
        { name: "TypeError", message: /via "local" cannot take secrets/ },
      );
    } finally {
      await Deno.remove(shared, { recursive: true });
    }
  },
});

Deno.test({
  name: 'load() and build() before Podman 5.7 upload, and via "local" fails before sending',
  ignore: hasLocalApi,
  async fn() {
    await using proxy = await startCountingProxy(bed.socketPath);
    await using client = new PodmanClient({ baseUrl: `unix://${proxy.socketPath}` });
    const version = (await serverVersion()).join(".");
    const shared = await sharedDir("podrx-local-");
    try {
      const id = await savedScratchImage(client, `${shared}/image.tar`);
      await Deno.writeTextFile(`${shared}/Containerfile`, "FROM scratch\nCOPY image.tar /\n");
      let from = proxy.requests.length;
      assert.deepEqual(await loadIds(client, `${shared}/image.tar`), [id]);
      const image = await buildImage(client, shared);
      await podmanCli(["rmi", "--force", id, image.id]);
      let hits = hitsSince(proxy, from);
      assert.equal(on(hits, "/images/load").length, 1);
      assert.equal(on(hits, "/build").length, 1);
      assert.deepEqual(hits.filter((hit) => hit.path.startsWith("/local/")), [], "no probe");

      from = proxy.requests.length;
      const because = `via "local": the service cannot read it in place: Podman ${(await client
        .apiVersion())} has no local endpoints (they came with 5.7)`;
      await assert.rejects(loadIds(client, `${shared}/image.tar`, "local"), {
        name: "PodmanError",
        message: `Cannot load images from "${shared}/image.tar": ${because}`,
      });
      await assert.rejects(buildImage(client, shared, "local"), {
        name: "PodmanError",
        message: new RegExp(`^Cannot build image "[^"]+": ${because.replace(/[().]/g, "\\$&")}$`),
      });
      hits = hitsSince(proxy, from);
      assert.deepEqual(hits, [], `Podman ${version}: nothing sent`);
    } finally {
      await Deno.remove(shared, { recursive: true });
    }
  },
});

Deno.test("load(path) over ssh:// uploads, though the service could see the file", async () => {
  await using sshd = await startSshd();
  await using proxy = await startCountingProxy(bed.socketPath);
  await using client = new PodmanClient({
    baseUrl: sshd.url(proxy.socketPath),
    identity: sshd.identity,
    sshKnownHostsFile: sshd.knownHosts,
  });
  const shared = await sharedDir("podrx-local-");
  try {
    const id = await savedScratchImage(client, `${shared}/image.tar`);
    const from = proxy.requests.length;
    assert.deepEqual(await loadIds(client, `${shared}/image.tar`), [id]);
    await podmanCli(["rmi", "--force", id]);
    const hits = hitsSince(proxy, from);
    assert.equal(on(hits, "/images/load").length, 1);
    assert.deepEqual(hits.filter((hit) => hit.path.startsWith("/local/")), [], "no probe");
    assert.equal(await client.connectionKind(), "ssh");
    await assert.rejects(loadIds(client, `${shared}/image.tar`, "local"), {
      name: "PodmanError",
      message: /via "local": the service cannot read it in place: the client reaches it over SSH$/,
    });
  } finally {
    await Deno.remove(shared, { recursive: true });
  }
});
