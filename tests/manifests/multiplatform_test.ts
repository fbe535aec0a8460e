// Multi-platform images against the bed's real Podman (4.3, or a chroot's with PODRX_PODMAN) and
// registries: build two platforms into a manifest list, push it, read it back from the
// registry, pull each platform. Every test removes the lists it makes: on Podman 4.3 a stored
// list can break image listing.
import assert from "node:assert/strict";
import { defer, lastValueFrom, toArray } from "rxjs";
import {
  APIError,
  BuildError,
  type BuildEvent,
  type ManifestPushEvent,
  PodmanClient,
  type PushedEvent,
} from "../../mod.ts";
import { buildQuery } from "../../src/images/operations/building/_params.ts";
import { testBed } from "../bed/env.ts";
import { serverAtLeast } from "../bed/server_version.ts";
import { uniqueName } from "../images/_fixtures.ts";

const bed = testBed();
const PLATFORMS = ["linux/amd64", "linux/arm64"];

function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

/** A context of `FROM scratch` + `COPY`: no RUN, so no emulation is needed for arm64. */
async function scratchContext(marker: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-mp-" });
  await Deno.writeTextFile(`${dir}/Containerfile`, "FROM scratch\nCOPY hello.txt /hello.txt\n");
  await Deno.writeTextFile(`${dir}/hello.txt`, `${marker}\n`);
  return dir;
}

/** Builds the two platforms into `list`; returns every event. */
async function buildList(podman: PodmanClient, list: string, dir: string): Promise<BuildEvent[]> {
  return await lastValueFrom(
    podman.images.build({ path: dir, platform: PLATFORMS, manifest: list }).pipe(toArray()),
  );
}

/** Removes a list and the images it names, whatever state a failed test left. */
async function cleanup(podman: PodmanClient, list: string, ids: string[]): Promise<void> {
  await podman.manifests.promises.remove(list).catch(() => {});
  for (const id of ids) await podman.images.promises.remove(id, { force: true }).catch(() => {});
}

Deno.test("build() for two platforms -> push the list -> registry data -> pull each platform", async () => {
  await using podman = connect();
  const name = uniqueName("mp");
  const list = `localhost/${name}:1`;
  const dir = await scratchContext(name);
  const ids: string[] = [];
  try {
    const events = await buildList(podman, list, dir);
    const last = events.at(-1);
    assert.ok(last?.type === "builtManifest", "the last event is builtManifest");
    assert.equal(last.manifest, list);
    assert.deepEqual(last.images.map((entry) => entry.platform), PLATFORMS);
    for (const entry of last.images) {
      ids.push(entry.image.id);
      assert.equal(`${entry.image.attrs.Os}/${entry.image.attrs.Architecture}`, entry.platform);
      assert.match(entry.digest, /^sha256:[0-9a-f]{64}$/);
    }
    assert.notEqual(ids[0], ids[1], "each platform has its own image");
    // Podman tags each platform's lines; both platforms show up in the log.
    const tagged = new Set(
      events.flatMap((event) => event.type === "log" && event.platform ? [event.platform] : []),
    );
    assert.deepEqual([...tagged].sort(), [...PLATFORMS].sort());

    const manifest = await podman.manifests.promises.get(list);
    assert.deepEqual([...manifest.platforms].sort(), [...PLATFORMS].sort());

    const destination = `${bed.registry}/podrx/${name}:1`;
    const pushEvents: ManifestPushEvent[] = [];
    const pushed = await manifest.promises.push(destination, {
      tlsVerify: false,
      onProgress: (event) => pushEvents.push(event),
    });
    assert.equal(pushed.destination, destination);
    assert.ok(pushEvents.some((event) => event.type === "status"), "the push reports progress");

    // The registry's own answer, fetched here, is what getRegistryData and the push report.
    const head = await fetch(`http://${bed.registry}/v2/podrx/${name}/manifests/1`, {
      method: "HEAD",
      headers: {
        accept: "application/vnd.oci.image.index.v1+json," +
          "application/vnd.docker.distribution.manifest.list.v2+json",
      },
    });
    assert.equal(head.status, 200);
    const registryDigest = head.headers.get("docker-content-digest");
    assert.equal(pushed.digest, registryDigest);

    const data = await podman.images.promises.getRegistryData(destination, { tlsVerify: false });
    assert.equal(data.isList, true);
    assert.equal(data.id, registryDigest);
    for (const platform of PLATFORMS) assert.equal(data.hasPlatform(platform), true, platform);
    assert.equal(data.hasPlatform("linux/s390x"), false);

    // Each platform pulls its own instance; the list is removed first so the pull stores
    // plain images.
    await podman.manifests.promises.remove(list);
    for (const platform of PLATFORMS) {
      const image = await podman.images.promises.pull(destination, { platform, tlsVerify: false });
      ids.push(image.id);
      assert.equal(`${image.attrs.Os}/${image.attrs.Architecture}`, platform);
      await podman.images.promises.remove(destination, { force: true });
    }
  } finally {
    await cleanup(podman, list, ids);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ManifestsManager: create, exists, get, add, remove an entry, remove the list", async () => {
  await using podman = connect();
  const list = `localhost/${uniqueName("ml")}:1`;
  try {
    assert.equal(await podman.manifests.promises.exists(list), false);
    const created = await podman.manifests.promises.create(list);
    assert.equal(created.name, list);
    assert.match(created.id, /^[0-9a-f]{64}$/);
    assert.deepEqual(created.manifests, []);
    assert.equal(await podman.manifests.promises.exists(list), true);

    const busybox = await podman.images.promises.get(bed.busyboxImage);
    const added = await created.promises.add([busybox]);
    assert.equal(added, created, "add() refreshes the same model");
    assert.equal(added.manifests.length, 1);
    assert.equal(added.platforms[0], `${busybox.attrs.Os}/${busybox.attrs.Architecture}`);

    const fetched = await podman.manifests.promises.get(list);
    assert.equal(fetched.manifests[0]?.digest, added.manifests[0]?.digest);
    assert.match(String(fetched.mediaType), /index|list/);
    assert.equal(fetched.version, 2);

    await created.promises.remove(added.manifests[0]!.digest);
    assert.deepEqual(created.manifests, []);

    const report = await podman.manifests.promises.remove(created);
    assert.deepEqual(report.untagged, [list]);
    assert.equal(await podman.manifests.promises.exists(list), false);
    // The image the list named stays.
    assert.equal(await podman.images.promises.exists(bed.busyboxImage), true);
  } finally {
    await podman.manifests.promises.remove(list).catch(() => {});
  }
});

Deno.test("Manifest.push() to the htpasswd registry: refused without credentials, pushed with them", async () => {
  await using podman = connect();
  const name = uniqueName("mpauth");
  const list = `localhost/${name}:1`;
  const destination = `${bed.authRegistry}/podrx/${name}:1`;
  try {
    const manifest = await podman.manifests.promises.create(list, {
      images: [`containers-storage:${bed.busyboxImage}`],
    });
    const refused = await manifest.promises.push(destination, { tlsVerify: false }).then(
      () => assert.fail("pushed without credentials"),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof APIError);
    assert.match(
      refused.message,
      new RegExp(
        `^Cannot push manifest list "${list}" to "${destination}": .*authentication required`,
      ),
    );

    const pushed: PushedEvent = await manifest.promises.push(destination, {
      tlsVerify: false,
      authConfig: { username: bed.authUser, password: bed.authPassword },
    });
    const data = await podman.images.promises.getRegistryData(destination, {
      tlsVerify: false,
      authConfig: { username: bed.authUser, password: bed.authPassword },
    });
    assert.equal(data.isList, true);
    assert.equal(pushed.digest, data.id);
  } finally {
    await podman.manifests.promises.remove(list).catch(() => {});
  }
});

Deno.test("build() for an unknown platform, and push() of a name that is not a list: clear errors", async () => {
  await using podman = connect();
  const dir = await scratchContext("unknown");
  const list = `localhost/${uniqueName("mpbad")}:1`;
  try {
    for (const platform of ["linux/nosucharch", "plan10/amd64"]) {
      // defer: build() checks its options when called today; issue 11 moves that to subscribe.
      const error = await lastValueFrom(
        defer(() =>
          podman.images.build({ path: dir, platform: ["linux/amd64", platform], manifest: list })
        ),
      ).then(() => assert.fail("built"), (error: unknown) => error);
      assert.ok(error instanceof RangeError, String(error));
      assert.match(
        error.message,
        new RegExp(`^Cannot build image: unknown platform "${platform}"`),
      );
    }
    // Nothing was sent: no list was made.
    assert.equal(await podman.manifests.promises.exists(list), false);

    const notList = podman.manifests.prepareModel(bed.busyboxImage, {});
    const error = await notList.promises.push(`${bed.registry}/podrx/not-a-list:1`, {
      tlsVerify: false,
    }).then(() => assert.fail("pushed"), (error: unknown) => error);
    assert.ok(error instanceof APIError);
    assert.match(
      error.message,
      new RegExp(`^Cannot push manifest list "${bed.busyboxImage}" to ".*": .*not a manifest list`),
    );
  } finally {
    await podman.manifests.promises.remove(list).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Manifest.push() unsubscribed mid-push aborts it; the service keeps answering", async () => {
  await using podman = connect();
  const name = uniqueName("mpcancel");
  const list = `localhost/${name}:1`;
  try {
    const manifest = await podman.manifests.promises.create(list, {
      images: [`containers-storage:${bed.busyboxImage}`],
    });
    const controller = new AbortController();
    const seen: ManifestPushEvent[] = [];
    const result = manifest.promises.push(`${bed.registry}/podrx/${name}:1`, {
      tlsVerify: false,
      signal: controller.signal,
      onProgress: (event) => {
        seen.push(event);
        // Abort at the first sign of progress, while the push is under way.
        if (seen.length === 1) controller.abort(new Error("stop"));
      },
    });
    const outcome = await result.then(() => "pushed", (error: unknown) => error);
    // On Podman 4.3 and 5 the push streams, so the abort lands mid-push.
    assert.ok(outcome instanceof Error && outcome.message === "stop", String(outcome));
    assert.equal(seen.filter((event) => event.type === "pushed").length, 0);
    assert.equal(await podman.manifests.promises.exists(list), true);
  } finally {
    await podman.manifests.promises.remove(list).catch(() => {});
  }
});

Deno.test("images.list() on Podman 4.3 names the manifest list that breaks it", async () => {
  await using podman = connect();
  const name = uniqueName("armonly");
  const list = `localhost/${name}:1`;
  const dir = await scratchContext(name);
  const ids: string[] = [];
  try {
    const built = await lastValueFrom(
      podman.images.build({ path: dir, platform: "linux/arm64", manifest: list }),
    );
    assert.ok(built.type === "builtManifest");
    ids.push(...built.images.map((entry) => entry.image.id));
    const outcome = await podman.images.promises.list().then(() => "listed", (e: unknown) => e);
    if ((await podman.apiVersion()).startsWith("4.")) {
      assert.ok(outcome instanceof APIError, String(outcome));
      // The hint names the list when Podman can still list lists (`manifest=true`); in a store
      // with more images that listing fails the same way (seen in full suite runs), and the
      // hint then says so instead of naming it.
      const named = outcome.message.includes(`remove the manifest list "${list}"`);
      const unnamed =
        /remove the manifest list that lacks this platform and list again \(the lists could not be listed: Cannot list manifest lists: .*no image found in image index/
          .test(outcome.message);
      assert.ok(named || unnamed, outcome.message);
    } else {
      // Podman 5 lists images whatever lists are stored.
      assert.equal(outcome, "listed");
    }
  } finally {
    await cleanup(podman, list, ids);
    await Deno.remove(dir, { recursive: true });
  }
  assert.ok(Array.isArray(await podman.images.promises.list()), "listing works once it is gone");
});

// Podman before 5.8 lets a cached step of one platform stand in for the other's, and stores a
// list that lacks a platform: seen on 4.3.1 and 5.4.2, fixed on 5.8.6 and 6.1.1 (the versions
// between are untested and assumed to have it). podrx turns that into a BuildError; a server
// without the bug builds both.
Deno.test("build() with a cached step of another platform: fails on a server with the cache bug (< 5.8), builds both platforms on one without", async () => {
  await using podman = connect();
  const name = uniqueName("mptrap");
  const list = `localhost/${name}:1`;
  const dir = await scratchContext(name);
  const ids: string[] = [];
  try {
    // Letting the cache in (nocache: false) reproduces Podman's trap: a step of one platform
    // stands in for the other's.
    const build = lastValueFrom(
      podman.images.build({ path: dir, platform: PLATFORMS, manifest: list, nocache: false }),
    );
    if (await serverAtLeast(5, 8)) {
      const built = await build;
      assert.ok(built.type === "builtManifest", "the last event is builtManifest");
      ids.push(...built.images.map((entry) => entry.image.id));
      assert.deepEqual(built.images.map((entry) => entry.platform), PLATFORMS);
      const manifest = await podman.manifests.promises.get(list);
      assert.deepEqual([...manifest.platforms].sort(), [...PLATFORMS].sort());
      return;
    }
    const error = await build.then(
      () => assert.fail("the build reported success"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof BuildError, String(error));
    assert.match(error.message, new RegExp(`the manifest list "${list}" lacks linux/`));
    assert.ok(error.buildLog.length > 0, "the log so far comes with the error");
  } finally {
    await cleanup(podman, list, ids);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("buildQuery() sends one platform parameter each, the list, and nocache unless asked", () => {
  const context = { dockerfile: "Containerfile", excludes: undefined };
  const options = { path: ".", platform: PLATFORMS, manifest: "localhost/l:1" };
  const query = buildQuery(options, context, "4.3.1", "Cannot build image");
  // An array is sent as the key repeated; Podman 4.3 does not split a comma-separated value.
  assert.deepEqual(query.platform, PLATFORMS);
  assert.equal(query.manifest, "localhost/l:1");
  assert.equal(query.nocache, true);
  assert.equal(buildQuery({ ...options, nocache: false }, context, "4.3.1", "x").nocache, false);
  const single = buildQuery({ path: ".", platform: "linux/arm64" }, context, "4.3.1", "x");
  assert.equal(single.platform, "linux/arm64");
  assert.equal(single.nocache, undefined);
  assert.equal("manifest" in single, false);
});
