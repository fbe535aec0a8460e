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
import { PodmanClient } from "../../src/podman/podman_client.ts";
import { podmanCli, testBed } from "../bed/env.ts";
import { serverAtLeast } from "../bed/server_version.ts";
import { startSshd } from "../client/_sshd.ts";
import { type CountingProxy, startCountingProxy } from "../fake/counting_proxy.ts";
import { importImage, uniqueName } from "./_fixtures.ts";

const bed = testBed();
const hasLocalApi = await serverAtLeast(5, 7);
// A chroot's service sees /tmp (and $TMPDIR) of the host, nothing else; the host's sees all.
const chroot = Deno.env.get("PODRX_PODMAN_CHROOT") !== undefined;

type Via = "auto" | "upload" | "local";

/** A libpod request the proxy saw: the path below `/vX/libpod` and the query. */
interface Hit {
  path: string;
  query: URLSearchParams;
}

function isProbe(hit: Hit): boolean {
  return hit.path === "/local/images/load" && /\/\.podrx-probe-[^/]*$/.test(hit.query.get("path")!);
}

/** What the requests of one step went to. */
class Hits {
  constructor(readonly all: Hit[]) {}
  /** The requests to `path` (e.g. `/images/load`), probes apart. */
  on(path: string): Hit[] {
    return this.all.filter((hit) => hit.path === path && !isProbe(hit));
  }
  get probes(): Hit[] {
    return this.all.filter(isProbe);
  }
  /** Any request to a local endpoint, probes included. */
  get local(): Hit[] {
    return this.all.filter((hit) => hit.path.startsWith("/local/"));
  }
}

/**
 * A client behind a counting proxy, a directory the service sees (under /tmp) and one it does
 * not, and the images a test made; all removed at the end.
 */
class Scene implements AsyncDisposable {
  readonly made: string[] = [];
  private constructor(
    readonly proxy: CountingProxy,
    readonly client: PodmanClient,
    readonly shared: string,
    readonly unshared: string,
  ) {}

  static async open(connect?: (socketPath: string) => PodmanClient): Promise<Scene> {
    const proxy = await startCountingProxy(bed.socketPath);
    const socketPath = proxy.socketPath;
    const client = connect?.(socketPath) ?? new PodmanClient({ baseUrl: `unix://${socketPath}` });
    const shared = await Deno.makeTempDir({ dir: "/tmp", prefix: "podrx-local-" });
    // /var/tmp is the chroot's own, unless $TMPDIR is there (the launcher shares that too);
    // then a directory in the checkout.
    const tmpdir = Deno.env.get("TMPDIR") ?? "";
    const varTmpShared = tmpdir === "/var/tmp" || tmpdir.startsWith("/var/tmp/");
    const checkout = decodeURIComponent(new URL("../..", import.meta.url).pathname);
    const unshared = await Deno.makeTempDir({
      dir: varTmpShared ? checkout : "/var/tmp",
      prefix: "podrx-local-",
    });
    return new Scene(proxy, client, shared, unshared);
  }

  /** Runs `step` and tells what its requests went to. */
  async hits<T>(step: () => Promise<T>): Promise<[T, Hits]> {
    const from = this.proxy.requests.length;
    const result = await step();
    return [result, new Hits(this.proxy.requests.slice(from).map(toHit))];
  }

  async probeFilesLeft(): Promise<string[]> {
    const left: string[] = [];
    for (const dir of [this.shared, this.unshared]) {
      for await (const entry of Deno.readDir(dir)) {
        if (entry.name.startsWith(".podrx-probe-")) left.push(`${dir}/${entry.name}`);
      }
    }
    return left;
  }

  /** A throwaway image saved to `archive`, then removed from the storage; returns its id. */
  async savedImage(archive: string): Promise<string> {
    const name = `localhost/podrx-test/${uniqueName("local")}:1`;
    const id = await importImage(name);
    const image = await lastValueFrom(this.client.images.get(name));
    await lastValueFrom(image.saveToFile(archive));
    await podmanCli(["rmi", "--force", name]);
    return id;
  }

  /** Loads `path`; returns the ids loaded, and removes them again. */
  async load(path: string, via?: Via): Promise<string[]> {
    const images = await lastValueFrom(
      this.client.images.load(path, via ? { via } : {}).pipe(toArray()),
    );
    const ids = images.map((image) => image.id);
    await podmanCli(["rmi", "--force", ...ids]);
    return ids;
  }

  /** Builds the context at `path`; returns the image id (removed at the end). */
  async build(
    path: string,
    options: {
      via?: Via;
      dockerfile?: string;
      secrets?: string[];
      additionalBuildContexts?: Record<string, string>;
    } = {},
  ) {
    const { image } = await this.client.images.promises.build({
      path,
      tag: `localhost/podrx-test/${uniqueName("local-build")}:1`,
      ...options,
    });
    this.made.push(image.id);
    return image.id;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      if (this.made.length > 0) await podmanCli(["rmi", "--force", ...this.made]);
      await this.client.close();
      await this.proxy.close();
    } finally {
      await Deno.remove(this.shared, { recursive: true });
      await Deno.remove(this.unshared, { recursive: true });
    }
  }
}

function toHit(line: string): Hit {
  const url = new URL(line.split(" ")[1]!, "http://libpod");
  return { path: url.pathname.replace(/^\/v[^/]+\/libpod/, ""), query: url.searchParams };
}

const sameHostCases = { ignore: !(hasLocalApi && chroot) };

Deno.test({
  ...sameHostCases,
  name: "load(path) reads a file the service sees in place, uploads one it does not; same image",
  async fn() {
    await using scene = await Scene.open();
    const { shared, unshared } = scene;
    const id = await scene.savedImage(`${shared}/image.tar`);
    await Deno.copyFile(`${shared}/image.tar`, `${unshared}/image.tar`);

    let [ids, hits] = await scene.hits(() => scene.load(`${shared}/image.tar`));
    assert.deepEqual(ids, [id]);
    assert.deepEqual(hits.on("/local/images/load").map((hit) => hit.query.get("path")), [
      `${shared}/image.tar`,
    ]);
    assert.deepEqual(hits.on("/images/load"), [], "nothing uploaded");
    assert.equal(hits.probes.length, 1, "one probe of the directory");

    [ids, hits] = await scene.hits(() => scene.load(`${unshared}/image.tar`));
    assert.deepEqual(ids, [id]);
    assert.equal(hits.on("/images/load").length, 1, "uploaded");
    assert.deepEqual(hits.on("/local/images/load"), []);
    assert.equal(hits.probes.length, 1, "the probe the service could not see");

    // Both answers are kept for the client: no probe the second time.
    [ids, hits] = await scene.hits(async () => [
      ...await scene.load(`${shared}/image.tar`),
      ...await scene.load(`${unshared}/image.tar`),
    ]);
    assert.deepEqual(ids, [id, id]);
    assert.deepEqual(hits.probes, []);
    assert.equal(hits.on("/local/images/load").length, 1);
    assert.equal(hits.on("/images/load").length, 1);
    assert.deepEqual(await scene.probeFilesLeft(), []);
  },
});

Deno.test({
  ...sameHostCases,
  name: 'load(path, { via }) "upload" never probes; "local" fails before sending what it cannot',
  async fn() {
    await using scene = await Scene.open();
    const { shared, unshared } = scene;
    const id = await scene.savedImage(`${shared}/image.tar`);
    await Deno.copyFile(`${shared}/image.tar`, `${unshared}/image.tar`);

    let [ids, hits] = await scene.hits(() => scene.load(`${shared}/image.tar`, "upload"));
    assert.deepEqual(ids, [id]);
    assert.equal(hits.on("/images/load").length, 1);
    assert.deepEqual(hits.local, [], "no probe");

    let failure: unknown;
    [failure, hits] = await scene.hits(() =>
      scene.load(`${unshared}/image.tar`, "local").catch((error) => error)
    );
    assert.equal(
      String(failure),
      `PodmanError: Cannot load images from "${unshared}/image.tar": via "local": the service ` +
        `cannot read it in place: it does not see "${unshared}" (it runs on another machine, ` +
        "in a container or in another mount namespace)",
    );
    assert.deepEqual(hits.all.filter((hit) => !isProbe(hit)), [], "only the probe was sent");
    assert.equal((await podmanCli(["image", "exists", id])).code, 1, "nothing was loaded");

    [ids, hits] = await scene.hits(() => scene.load(`${shared}/image.tar`, "local"));
    assert.deepEqual(ids, [id]);
    assert.equal(hits.on("/local/images/load").length, 1);
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

Deno.test({
  ...sameHostCases,
  name:
    "build({ path }) reads a context the service sees in place, uploads one it does not; same image",
  async fn() {
    await using scene = await Scene.open();
    const { shared, unshared } = scene;
    // New content (a random file), so the first build below builds anew.
    await writeContext(shared);
    // The same files, times and modes in a directory the service does not see.
    const copy = await new Deno.Command("cp", { args: ["-a", `${shared}/.`, unshared] }).output();
    assert.ok(copy.success, new TextDecoder().decode(copy.stderr));

    const [uploaded, first] = await scene.hits(() => scene.build(shared, { via: "upload" }));
    assert.equal(first.on("/build").length, 1, "uploaded");

    // The layer cache takes the uploaded build's step only for the same content (its key
    // holds a digest of what COPY takes): the same image id means the same files went in,
    // the ignored one left out as in the upload.
    const [inPlace, second] = await scene.hits(() => scene.build(shared));
    assert.deepEqual(second.on("/local/build").map((hit) => hit.query.get("localcontextdir")), [
      shared,
    ]);
    assert.deepEqual(second.on("/build"), [], "nothing uploaded");

    const [unseen, third] = await scene.hits(() => scene.build(unshared));
    assert.equal(third.on("/build").length, 1, "uploaded");
    assert.deepEqual(third.on("/local/build"), []);

    assert.deepEqual([inPlace, unseen], [uploaded, uploaded]);
    assert.deepEqual(await scene.probeFilesLeft(), []);
  },
});

Deno.test({
  ...sameHostCases,
  name: "build({ path }) uploads when the Dockerfile lies where the service cannot see it",
  async fn() {
    await using scene = await Scene.open();
    const { shared, unshared } = scene;
    await Deno.writeTextFile(`${shared}/a.txt`, "a\n");
    await Deno.writeTextFile(`${unshared}/Containerfile`, "FROM scratch\nCOPY a.txt /a.txt\n");
    const dockerfile = `${unshared}/Containerfile`;
    const [, hits] = await scene.hits(() => scene.build(shared, { dockerfile }));
    assert.equal(hits.on("/build").length, 1, "uploaded");
    assert.deepEqual(hits.on("/local/build"), []);
    await assert.rejects(scene.build(shared, { dockerfile, via: "local" }), {
      name: "PodmanError",
      message: new RegExp(`does not see "${unshared}"`),
    });
  },
});

Deno.test({
  ...sameHostCases,
  name: "build({ path }) uploads a context with hard links or a FIFO, which Podman would keep",
  async fn() {
    await using scene = await Scene.open();
    // The context is a folder of the shared directory, so a name can lie outside it.
    const context = `${scene.shared}/context`;
    await Deno.mkdir(`${context}/sub`, { recursive: true });
    await Deno.writeTextFile(`${context}/Containerfile`, "FROM scratch\nCOPY . /c/\n");
    await Deno.writeTextFile(`${context}/a.txt`, crypto.randomUUID());
    await Deno.link(`${context}/a.txt`, `${context}/sub/b.txt`);
    const [uploaded, first] = await scene.hits(() => scene.build(context));
    assert.equal(first.on("/build").length, 1, "uploaded");

    // Read in place, the hard link stays one: another layer than the upload's.
    const [inPlace, second] = await scene.hits(() => scene.build(context, { via: "local" }));
    assert.equal(second.on("/local/build").length, 1, "read in place");
    assert.notEqual(inPlace, uploaded);

    // A hard link whose other name lies outside the context is a plain file.
    await Deno.rename(`${context}/sub/b.txt`, `${scene.shared}/other-name`);
    const [, third] = await scene.hits(() => scene.build(context));
    assert.equal(third.on("/local/build").length, 1, "read in place");

    const fifo = await new Deno.Command("mkfifo", { args: [`${context}/sub/pipe`] }).output();
    assert.ok(fifo.success, "mkfifo failed");
    const [, fourth] = await scene.hits(() => scene.build(context));
    assert.equal(fourth.on("/build").length, 1, "uploaded");
  },
});

Deno.test({
  ...sameHostCases,
  name:
    "build({ path, secrets }) uploads even where the service sees the context; the secret stays",
  async fn() {
    await using scene = await Scene.open();
    const { shared } = scene;
    await Deno.writeTextFile(`${shared}/Containerfile`, "FROM scratch\nCOPY a.txt /a.txt\n");
    await Deno.writeTextFile(`${shared}/a.txt`, "a\n");
    await Deno.writeTextFile(`${shared}/token`, "s3cret\n");
    const secrets = ["id=token,src=token"];
    const [, hits] = await scene.hits(() => scene.build(shared, { secrets }));
    assert.equal(hits.on("/build").length, 1, "uploaded");
    assert.deepEqual(hits.local, [], "no probe");
    assert.equal(await Deno.readTextFile(`${shared}/token`), "s3cret\n");
    await assert.rejects(scene.build(shared, { secrets, via: "local" }), {
      name: "TypeError",
      message: /via "local" cannot take secrets/,
    });
  },
});

Deno.test({
  ...sameHostCases,
  name: "build({ path }) reads in place with named image contexts, uploads with a named directory",
  async fn() {
    await using scene = await Scene.open();
    const { shared } = scene;
    const context = `${shared}/context`;
    const named = `${shared}/named`;
    await Deno.mkdir(context);
    await Deno.mkdir(named);
    await Deno.writeTextFile(`${context}/a.txt`, crypto.randomUUID());
    await Deno.writeTextFile(`${named}/n.txt`, "named\n");
    const base = `docker-image://${bed.busyboxImage}`;

    // An image as a named context goes in the query, which the local endpoint reads too.
    await Deno.writeTextFile(`${context}/Containerfile`, "FROM base\nCOPY a.txt /a.txt\n");
    const [, inPlace] = await scene.hits(() =>
      scene.build(context, { additionalBuildContexts: { base } })
    );
    assert.deepEqual(
      inPlace.on("/local/build").map((hit) => hit.query.getAll("additionalbuildcontexts")),
      [[`base=image:${bed.busyboxImage}`]],
    );

    // A local directory as a named context goes in the upload, and the context with it.
    await Deno.writeTextFile(
      `${context}/Containerfile`,
      "FROM base\nCOPY a.txt /a.txt\nCOPY --from=extra n.txt /n.txt\n",
    );
    const additionalBuildContexts = { base, extra: named };
    const [, uploaded] = await scene.hits(() => scene.build(context, { additionalBuildContexts }));
    assert.equal(uploaded.on("/build").length, 1, "uploaded");
    assert.deepEqual(uploaded.local, [], "no probe");
    await assert.rejects(scene.build(context, { additionalBuildContexts, via: "local" }), {
      name: "TypeError",
      message: /via "local" cannot take additionalBuildContexts "extra", a local directory/,
    });
  },
});

Deno.test({
  name: 'load() and build() before Podman 5.7 upload, and via "local" fails before sending',
  ignore: hasLocalApi,
  async fn() {
    await using scene = await Scene.open();
    const { shared } = scene;
    const id = await scene.savedImage(`${shared}/image.tar`);
    await Deno.writeTextFile(`${shared}/Containerfile`, "FROM scratch\nCOPY image.tar /\n");
    const [ids, hits] = await scene.hits(async () => {
      const loaded = await scene.load(`${shared}/image.tar`);
      await scene.build(shared);
      return loaded;
    });
    assert.deepEqual(ids, [id]);
    assert.equal(hits.on("/images/load").length, 1);
    assert.equal(hits.on("/build").length, 1);
    assert.deepEqual(hits.local, [], "no probe");

    const version = await scene.client.apiVersion();
    const because = `via "local": the service cannot read it in place: Podman ${version} ` +
      "has no local endpoints (they came with 5.7)";
    const [, refused] = await scene.hits(async () => {
      await assert.rejects(scene.load(`${shared}/image.tar`, "local"), {
        name: "PodmanError",
        message: `Cannot load images from "${shared}/image.tar": ${because}`,
      });
      await assert.rejects(scene.build(shared, { via: "local" }), {
        name: "PodmanError",
        message: new RegExp(`^Cannot build image "[^"]+": ${because.replace(/[().]/g, "\\$&")}$`),
      });
    });
    assert.deepEqual(refused.all, [], `Podman ${version}: nothing sent`);
  },
});

Deno.test("load(path) over ssh:// uploads, though the service could see the file", async () => {
  await using sshd = await startSshd();
  await using scene = await Scene.open((socketPath) =>
    new PodmanClient({
      baseUrl: sshd.url(socketPath),
      identity: sshd.identity,
      sshKnownHostsFile: sshd.knownHosts,
    })
  );
  const { shared } = scene;
  const id = await scene.savedImage(`${shared}/image.tar`);
  const [ids, hits] = await scene.hits(() => scene.load(`${shared}/image.tar`));
  assert.deepEqual(ids, [id]);
  assert.equal(hits.on("/images/load").length, 1);
  assert.deepEqual(hits.local, [], "no probe");
  assert.equal(await scene.client.connectionKind(), "ssh");
  await assert.rejects(scene.load(`${shared}/image.tar`, "local"), {
    name: "PodmanError",
    message: /via "local": the service cannot read it in place: the client reaches it over SSH$/,
  });
});
