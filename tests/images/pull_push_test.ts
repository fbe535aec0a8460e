// pull() and push() against the real Podman service (4.3.1, or 5 with PODRX_PODMAN=5) and the
// bed's two registries, plus the event mapping for canned Podman 5 compat lines.
import assert from "node:assert/strict";
import { lastValueFrom, type Observable, toArray } from "rxjs";
import {
  APIError,
  type Image,
  ImageNotFound,
  NotFound,
  PodmanClient,
  PodmanError,
  type PullEvent,
  type PullOptions,
  type PushEvent,
  type PushOptions,
} from "../../mod.ts";
import { PullStreamReader } from "../../src/images/operations/_pull_stream.ts";
import { PushStreamReader } from "../../src/images/operations/_push_stream.ts";
import { encodeRegistryAuth } from "../../src/vocabulary/registry_auth.ts";
import { testBed } from "../bed/env.ts";
import { serverVersion } from "../bed/server_version.ts";
import { importImage, uniqueName } from "./_fixtures.ts";
import { recordingClient } from "./_recording_client.ts";

const bed = testBed();
const credentials = { username: bed.authUser, password: bed.authPassword };

function connect(apiVersion?: string): PodmanClient {
  return new PodmanClient({
    baseUrl: `unix://${bed.socketPath}`,
    ...(apiVersion === undefined ? {} : { apiVersion }),
  });
}

function basicAuth(): Record<string, string> {
  return { authorization: `Basic ${btoa(`${bed.authUser}:${bed.authPassword}`)}` };
}

async function registryJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  assert.equal(response.status, 200, `GET ${url}: ${text}`);
  return JSON.parse(text);
}

/** The config digest of `repository:tag` in a registry: the id of the image it holds. */
async function registryImageId(
  registry: string,
  path: string,
  tag: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const manifest = await registryJson(`http://${registry}/v2/${path}/manifests/${tag}`, {
    ...headers,
    accept: "application/vnd.oci.image.manifest.v1+json, " +
      "application/vnd.docker.distribution.manifest.v2+json",
  }) as { config: { digest: string } };
  return manifest.config.digest.replace(/^sha256:/, "");
}

/** The digest of the manifest that `repository:tag` names in a registry. */
async function registryManifestDigest(
  registry: string,
  path: string,
  tag: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await fetch(`http://${registry}/v2/${path}/manifests/${tag}`, {
    method: "HEAD",
    headers: {
      ...headers,
      accept: "application/vnd.oci.image.manifest.v1+json, " +
        "application/vnd.docker.distribution.manifest.v2+json",
    },
  });
  assert.equal(response.status, 200, `HEAD ${path}:${tag}`);
  return response.headers.get("docker-content-digest") ?? "";
}

// What differs between the bed's servers (serverVersion(): the server's own version, not the
// one a client may be told to speak).

/** Podman 5 streams a push (`quiet=false`) and ends it with the manifest digest. */
async function serverStreamsPush(): Promise<boolean> {
  return (await serverVersion())[0] >= 5;
}

/**
 * What a pull with default options reads: Podman 4.8 to 5.x answer `compatMode=true` with
 * Docker-style lines (layer progress only, no "Trying to pull" status lines); 6.0 and later
 * are asked for `pullProgress` instead, libpod's status lines with the bytes of each layer;
 * 4.3.1 ignores `compatMode` and sends libpod's status lines alone.
 */
async function defaultPullLines(): Promise<"libpod" | "docker" | "libpod+bytes"> {
  const [major, minor] = await serverVersion();
  if (major >= 6) return "libpod+bytes";
  return major > 4 || (major === 4 && minor >= 8) ? "docker" : "libpod";
}

/**
 * With default options, Podman 4.8 and later fail a pull that cannot start with an HTTP
 * status, not in-band: Docker-style lines start only with the first layer, and on 6.0
 * libpod's are held back until the image is found.
 */
async function serverFailsPullEarly(): Promise<boolean> {
  const [major, minor] = await serverVersion();
  return major > 4 || (major === 4 && minor >= 8);
}

async function busybox(podman: PodmanClient): Promise<Image> {
  return await lastValueFrom(podman.images.get(bed.busyboxImage));
}

/** Tags `image` as `repository:tag` and pushes it to the open registry. */
async function pushToOpenRegistry(
  podman: PodmanClient,
  image: Image,
  repository: string,
  tag: string,
): Promise<void> {
  await lastValueFrom(image.tag(repository, tag));
  await lastValueFrom(podman.images.push(repository, { tag, tlsVerify: false }));
}

/** Subscribes once and records every event, and the error, without throwing. */
function collect<T>(events: Observable<T>): Promise<{ events: T[]; error: unknown }> {
  const seen: T[] = [];
  return new Promise((resolve) =>
    events.subscribe({
      next: (event) => seen.push(event),
      error: (error: unknown) => resolve({ events: seen, error }),
      complete: () => resolve({ events: seen, error: undefined }),
    })
  );
}

function leakedAnywhere(error: unknown, secrets: string[]): string[] {
  const own = error && typeof error === "object"
    ? JSON.stringify(Object.fromEntries(Object.entries(error)))
    : "";
  const texts = [
    error instanceof Error ? error.message : "",
    String(error),
    error instanceof Error ? String(error.cause ?? "") : "",
    error instanceof Error ? JSON.stringify(error.cause ?? null) : "",
    error instanceof Error ? error.stack ?? "" : "",
    own,
  ];
  return secrets.filter((secret) => texts.some((text) => text.includes(secret)));
}

// --- push ---------------------------------------------------------------------------------

Deno.test("push() with credentials puts the image in the auth registry and ends with pushed", async () => {
  await using podman = connect();
  const image = await busybox(podman);
  const repository = `${bed.authRegistry}/podrx/busybox`;
  await lastValueFrom(image.tag(repository, "t1"));

  const events = await lastValueFrom(
    podman.images.push(repository, { tag: "t1", authConfig: credentials, tlsVerify: false })
      .pipe(toArray()),
  );

  if (await serverStreamsPush()) {
    // Podman 5 streams: the server's status lines, then pushed with the manifest's digest.
    assert.ok(events.length > 1 && events.slice(0, -1).every((event) => event.type === "status"));
    assert.deepEqual(events.at(-1), {
      type: "pushed",
      destination: `${repository}:t1`,
      digest: await registryManifestDigest(bed.authRegistry, "podrx/busybox", "t1", basicAuth()),
    });
  } else {
    // Podman 4 pushes in blocking mode: no status lines, and none invented.
    assert.deepEqual(events, [{ type: "pushed", destination: `${repository}:t1` }]);
  }
  const tags = await registryJson(
    `http://${bed.authRegistry}/v2/podrx/busybox/tags/list`,
    basicAuth(),
  ) as { tags: string[] };
  assert.ok(tags.tags.includes("t1"), `registry tags: ${tags.tags}`);
  assert.equal(
    await registryImageId(bed.authRegistry, "podrx/busybox", "t1", basicAuth()),
    image.id,
  );
});

Deno.test("push() without credentials fails with the server's auth message", async () => {
  await using podman = connect();
  const image = await busybox(podman);
  const repository = `${bed.authRegistry}/podrx/noauth`;
  await lastValueFrom(image.tag(repository, "1"));

  const { events, error } = await collect(
    podman.images.push(`${repository}:1`, { tlsVerify: false }),
  );

  assert.ok(error instanceof APIError, String(error));
  if (await serverStreamsPush()) {
    // Podman 5 streams, so the refusal comes in-band after the first status lines, and
    // without the registry's "unauthorized" code.
    assert.ok(events.length > 0 && events.every((event) => event.type === "status"));
    assert.equal(error.status, 200);
    assert.equal(error.inStream, true);
    assert.match(
      error.message,
      /^Cannot push image ".*\/podrx\/noauth:1": .*authentication required$/,
    );
  } else {
    assert.deepEqual(events, []);
    assert.equal(error.status, 400);
    assert.equal(error.inStream, false);
    assert.match(error.message, /^Cannot push image ".*\/podrx\/noauth:1": .*unauthorized/);
  }
  assert.match(error.explanation, /authentication required/);
  assert.deepEqual(leakedAnywhere(error, [bed.authPassword]), []);
});

Deno.test("push() with a wrong password leaks neither the password nor the auth header", async () => {
  await using podman = connect();
  const image = await busybox(podman);
  const repository = `${bed.authRegistry}/podrx/wrongauth`;
  await lastValueFrom(image.tag(repository, "1"));
  const wrong = { username: bed.authUser, password: `wrong-${crypto.randomUUID()}` };
  const { secrets } = encodeRegistryAuth(wrong, `${repository}:1`);

  const { error } = await collect(
    podman.images.push(repository, { tag: "1", authConfig: wrong, tlsVerify: false }),
  );

  assert.ok(error instanceof APIError, String(error));
  // Podman 5's in-band error lacks the registry's "unauthorized"; both carry this.
  assert.match(error.message, /authentication required/);
  assert.ok(secrets.length >= 2 && secrets.includes(wrong.password));
  assert.deepEqual(leakedAnywhere(error, [...secrets, bed.authPassword]), []);
});

Deno.test("push() in streaming mode (API 5) emits the server's status lines, then pushed", async () => {
  // Podman 4.3.1 answers any /vX/libpod prefix, so an API-5 client drives the quiet=false path
  // on the real server; 4.x sends no final manifestdigest line, hence no digest. Podman 5 does.
  await using podman = connect("5.0.0");
  const image = await lastValueFrom(podman.images.get(bed.busyboxImage));
  const repository = `${bed.registry}/podrx/streamed`;
  await lastValueFrom(image.tag(repository, "1"));

  const events = await lastValueFrom(
    podman.images.push(repository, { tag: "1", tlsVerify: false }).pipe(toArray()),
  );

  const statuses = events.filter((event) => event.type === "status").map((e) => e.message);
  assert.equal(statuses[0], "Getting image source signatures");
  assert.ok(statuses.some((message) => message.startsWith("Copying config sha256:")));
  assert.ok(statuses.every((message) => !message.endsWith("\n")));
  assert.deepEqual(
    events.at(-1),
    await serverStreamsPush()
      ? {
        type: "pushed",
        destination: `${repository}:1`,
        digest: await registryManifestDigest(bed.registry, "podrx/streamed", "1"),
      }
      : { type: "pushed", destination: `${repository}:1` },
  );
  assert.equal(await registryImageId(bed.registry, "podrx/streamed", "1"), image.id);
});

Deno.test("push() in streaming mode (API 5) raises the in-band auth error as APIError", async () => {
  await using podman = connect("5.0.0");
  const image = await busybox(podman);
  const repository = `${bed.authRegistry}/podrx/streamed-noauth`;
  await lastValueFrom(image.tag(repository, "1"));
  const wrong = { username: bed.authUser, password: `wrong-${crypto.randomUUID()}` };

  const { events, error } = await collect(
    podman.images.push(repository, { tag: "1", authConfig: wrong, tlsVerify: false }),
  );

  assert.ok(error instanceof APIError, String(error));
  assert.equal(error.status, 200);
  assert.equal(error.inStream, true);
  assert.match(
    error.message,
    /^Cannot push image ".*streamed-noauth:1": .*authentication required$/,
  );
  assert.ok(events.every((event) => event.type === "status"), "no pushed event");
  assert.deepEqual(
    leakedAnywhere(error, [
      ...encodeRegistryAuth(wrong, `${repository}:1`).secrets,
      bed.authPassword,
    ]),
    [],
  );
});

Deno.test("push() of an image that does not exist fails with the server's message", async () => {
  await using podman = connect();
  const { error } = await collect(
    podman.images.push(`${bed.registry}/podrx/absent:1`, { tlsVerify: false }),
  );
  assert.ok(error instanceof APIError, String(error));
  // Podman 5 streams the push, so even this comes in-band.
  assert.equal(error.status, (await serverStreamsPush()) ? 200 : 400);
  assert.match(error.message, /image not known/);
});

Deno.test("push() rejects bad arguments on subscribe, before sending", async () => {
  await using podman = connect();
  const push = (repository: string, options?: PushOptions) =>
    lastValueFrom(podman.images.push(repository, options));
  await assert.rejects(push("localhost/x:1", { tag: "2" }), TypeError);
  await assert.rejects(push("Not/Valid"), RangeError);
  await assert.rejects(push("localhost/x", { tag: "bad tag" }), RangeError);
  await assert.rejects(push("localhost/x", { destination: "a//b" }), RangeError);
  await assert.rejects(push("localhost/x", { format: "v3" as "oci" }), RangeError);
  await assert.rejects(push("localhost/x", { compressionLevel: 1.5 }), RangeError);
  await assert.rejects(push("localhost/x", { timeout: 0 }), RangeError);
});

// --- push with allTags ----------------------------------------------------------------------

/** The tags a registry holds for `path`, sorted; `undefined` when it has no such repository. */
async function registryTags(registry: string, path: string): Promise<string[] | undefined> {
  const response = await fetch(`http://${registry}/v2/${path}/tags/list`);
  const text = await response.text();
  if (response.status === 404) return undefined;
  assert.equal(response.status, 200, `GET ${path}/tags/list: ${text}`);
  return ((JSON.parse(text) as { tags: string[] | null }).tags ?? []).sort();
}

/**
 * Throwaway images for `allTags`: two in `repository` under three tags (`a` and `c` name the
 * first), and the same two in neighbours that are not it: `<repository>x`, which starts the
 * same, and `<repository>/sub`, below it.
 */
async function allTagsFixture(
  podman: PodmanClient,
  repository: string,
): Promise<{ first: string; second: string; [Symbol.asyncDispose](): Promise<void> }> {
  const first = await importImage(`${repository}:a`);
  const second = await importImage(`${repository}:b`);
  const firstImage = await podman.images.promises.get(first);
  await firstImage.promises.tag(repository, "c");
  await firstImage.promises.tag(`${repository}x`, "1");
  await (await podman.images.promises.get(second)).promises.tag(`${repository}/sub`, "1");
  return {
    first,
    second,
    async [Symbol.asyncDispose]() {
      for (const id of [first, second]) {
        await podman.images.promises.remove(id, { force: true }).catch(() => undefined);
      }
    },
  };
}

Deno.test("push() with allTags pushes every local tag of the repository and nothing beside it", async () => {
  const { podman, sent } = recordingClient();
  await using _ = podman;
  const path = `podrx/${uniqueName("alltags")}`;
  const repository = `${bed.registry}/${path}`;
  await using images = await allTagsFixture(podman, repository);

  const events = await lastValueFrom(
    podman.images.push(repository, { allTags: true, tlsVerify: false }).pipe(toArray()),
  );

  assert.deepEqual(await registryTags(bed.registry, path), ["a", "b", "c"]);
  assert.equal(await registryImageId(bed.registry, path, "a"), images.first);
  assert.equal(await registryImageId(bed.registry, path, "b"), images.second);
  assert.equal(await registryImageId(bed.registry, path, "c"), images.first);
  assert.equal(await registryTags(bed.registry, `${path}x`), undefined, "the sibling stayed home");
  assert.equal(await registryTags(bed.registry, `${path}/sub`), undefined, "so did the nested one");
  // One push a tag, one after another, each to its own name.
  const pushes = sent.map((request) => new URL(request.url).pathname)
    .filter((pathname) => pathname.endsWith("/push"));
  assert.deepEqual(
    pushes.map((pathname) => decodeURIComponent(pathname.split("/").at(-2)!)),
    ["a", "b", "c"].map((tag) => `${repository}:${tag}`),
  );
  // Every event names its tag; each tag's events come together and end with its pushed.
  assert.ok(events.every((event) => event.tag !== undefined), JSON.stringify(events));
  const order = events.map((event) => event.tag).filter((tag, i, all) => tag !== all[i - 1]);
  assert.deepEqual(order, ["a", "b", "c"]);
  const pushed = events.filter((event) => event.type === "pushed");
  assert.deepEqual(pushed.map(({ tag, destination }) => ({ tag, destination })), [
    { tag: "a", destination: `${repository}:a` },
    { tag: "b", destination: `${repository}:b` },
    { tag: "c", destination: `${repository}:c` },
  ]);
  if (await serverStreamsPush()) {
    // Podman 5 streams each tag's status lines, then its digest.
    for (const tag of ["a", "b", "c"]) {
      assert.ok(events.some((event) => event.type === "status" && event.tag === tag), tag);
      const digest = pushed.find((event) => event.tag === tag)?.digest;
      assert.equal(digest, await registryManifestDigest(bed.registry, path, tag));
    }
  } else {
    assert.equal(events.length, 3, "Podman 4.3 reports nothing but the end of each push");
  }
});

Deno.test("push() with allTags errors with the failing tag's error and pushes no tag after it", async () => {
  const { podman, sent } = recordingClient();
  await using _ = podman;
  // The auth registry refuses a push without credentials.
  const repository = `${bed.authRegistry}/podrx/${uniqueName("alltags-noauth")}`;
  await using _images = await allTagsFixture(podman, repository);

  const { events, error } = await collect(
    podman.images.push(repository, { allTags: true, tlsVerify: false }),
  );

  assert.ok(error instanceof APIError, String(error));
  assert.match(error.message, new RegExp(`^Cannot push image "${repository}:a": `));
  assert.match(error.message, /authentication required/);
  assert.ok(events.every((event) => event.type === "status" && event.tag === "a"));
  const pushes = sent.filter((request) => new URL(request.url).pathname.endsWith("/push"));
  assert.equal(pushes.length, 1, "tags b and c were never sent");
});

Deno.test("push() with allTags of a repository without local tags is ImageNotFound naming it", async () => {
  const { podman, sent } = recordingClient();
  await using _ = podman;
  // Only neighbours have tags: one whose name starts the same, one below it.
  const repository = `${bed.registry}/podrx/${uniqueName("alltags-none")}`;
  const id = await importImage(`${repository}x:1`);
  try {
    await (await podman.images.promises.get(id)).promises.tag(`${repository}/sub`, "1");

    const { events, error } = await collect(
      podman.images.push(repository, { allTags: true, tlsVerify: false }),
    );

    assert.deepEqual(events, []);
    assert.ok(error instanceof ImageNotFound, String(error));
    assert.equal(
      error.message,
      `Cannot push image "${repository}": allTags found no local tag of this repository (404)`,
    );
    const pushes = sent.filter((request) => new URL(request.url).pathname.endsWith("/push"));
    assert.equal(pushes.length, 0);
  } finally {
    await podman.images.promises.remove(id, { force: true });
  }
});

Deno.test("push() with allTags checks its arguments on subscribe and sends nothing for bad ones", async () => {
  const { podman, sent } = recordingClient();
  await using _ = podman;
  const push = (repository: string, options: PushOptions) =>
    lastValueFrom(podman.images.push(repository, { allTags: true, ...options }));
  const named = {
    name: "TypeError",
    message: /allTags pushes every tag, so name no tag or digest/,
  };
  await assert.rejects(push("localhost/x:1", {}), named);
  await assert.rejects(push("localhost/x", { tag: "1" }), named);
  await assert.rejects(push(`localhost/x@sha256:${"a".repeat(64)}`, {}), named);
  await assert.rejects(push("localhost/x", { destination: "localhost/y" }), {
    name: "TypeError",
    message: /^Cannot push image "localhost\/x": allTags pushes each tag to its own name/,
  });
  await assert.rejects(push("localhost/x", { tag: "bad tag" }), RangeError);
  await assert.rejects(push("Not/Valid", {}), RangeError);
  await assert.rejects(push("localhost/x", { format: "v3" as "oci" }), RangeError);
  await assert.rejects(push("localhost/x", { timeout: 0 }), RangeError);
  assert.deepEqual(sent, []);
});

Deno.test("push() with allTags unsubscribed mid-way aborts the running push and starts no other", async () => {
  const path = `podrx/${uniqueName("alltags-cancel")}`;
  const repository = `${bed.registry}/${path}`;
  /** The tag a request pushes, if it is a push. */
  const pushedTag = (url: string) => {
    const { pathname } = new URL(url);
    if (!pathname.endsWith("/push")) return undefined;
    return decodeURIComponent(pathname.split("/").at(-2)!).slice(repository.length + 1);
  };
  const stopped = Promise.withResolvers<string>();
  // Unsubscribes once the push of b has gone out, so that it is under way.
  const { podman, sent } = recordingClient({
    onSend: (url) => {
      if (pushedTag(url) === "b") {
        setTimeout(() => {
          subscription.unsubscribe();
          stopped.resolve("unsubscribed");
        });
      }
    },
  });
  await using _ = podman;
  await using _images = await allTagsFixture(podman, repository);

  const seen: PushEvent[] = [];
  const subscription = podman.images.push(repository, { allTags: true, tlsVerify: false })
    .subscribe({
      next: (event) => seen.push(event),
      error: (error) => stopped.resolve(`errored: ${error}`),
      complete: () => stopped.resolve("completed"),
    });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    stopped.promise,
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve("timed out"), 60_000))),
  ]).finally(() => clearTimeout(timer));

  assert.equal(outcome, "unsubscribed");
  const pushes = sent.filter((request) => pushedTag(request.url) !== undefined);
  assert.deepEqual(pushes.map((request) => pushedTag(request.url)), ["a", "b"], "c never went out");
  assert.equal(pushes[1]?.init.signal?.aborted, true, "the push of b was aborted");
  assert.deepEqual(seen.filter((event) => event.type === "pushed").map((event) => event.tag), [
    "a",
  ]);
  assert.ok((await lastValueFrom(podman.images.list())).length > 0, "the client keeps working");
});

// --- pull ---------------------------------------------------------------------------------

Deno.test("pull() brings back a pushed image: status lines as they come, then pulled with its id", async () => {
  await using podman = connect();
  const image = await busybox(podman);
  const repository = `${bed.authRegistry}/podrx/roundtrip`;
  await lastValueFrom(image.tag(repository, "1"));
  await lastValueFrom(
    podman.images.push(repository, { tag: "1", authConfig: credentials, tlsVerify: false }),
  );
  await lastValueFrom(image.untag(repository, "1"));
  assert.equal(await lastValueFrom(podman.images.exists(`${repository}:1`)), false);

  const received: { event: PullEvent; completed: boolean }[] = [];
  let completed = false;
  await new Promise<void>((resolve, reject) =>
    podman.images.pull(repository, { tag: "1", authConfig: credentials, tlsVerify: false })
      .subscribe({
        next: (event) => received.push({ event, completed }),
        error: reject,
        complete: () => {
          completed = true;
          resolve();
        },
      })
  );

  const events = received.map((entry) => entry.event);
  assert.ok(received.every((entry) => !entry.completed));
  if ((await defaultPullLines()) === "docker") {
    assert.ok(events.length > 1 && events.slice(0, -1).every((event) => event.type === "progress"));
  } else {
    const statuses = events.filter((event) => event.type === "status");
    assert.equal(statuses[0]?.message, `Trying to pull ${repository}:1...`);
    assert.ok(statuses.some((event) => event.message === "Writing manifest to image destination"));
    if ((await defaultPullLines()) === "libpod+bytes") {
      const finished = events.filter((event) => event.type === "progress")
        .filter((event) => event.status === "Download complete");
      assert.ok(finished.length > 0 && finished.every((event) => event.current === event.total));
    }
  }
  const pulled = events.at(-1);
  assert.equal(pulled?.type, "pulled");
  assert.equal(events.filter((event) => event.type === "pulled").length, 1);
  if (pulled?.type !== "pulled") throw new Error("unreachable");
  assert.equal(pulled.image.id, image.id);
  assert.deepEqual(pulled.images.map((each) => each.id), [image.id]);
  assert.ok(pulled.image.tags.includes(`${repository}:1`), `tags: ${pulled.image.tags}`);
});

/** What a pull's body names as the image: the report's first id, else the final line's id. */
function reportedImage(body: string): string | undefined {
  const lines = body.split("\n").filter((line) => line.trim() !== "").map((line) =>
    JSON.parse(line) as { images?: string[]; id?: string; status?: string }
  );
  const report = lines.findLast((line) => Array.isArray(line.images));
  if (report) return report.images![0] ?? report.id;
  return lines.findLast((line) => line.status === "Download complete")?.id;
}

Deno.test("pull() inspects the image by the id exactly as the server's report wrote it", async () => {
  // Podman 4.3 ends with the libpod report (the whole id); 4.8 and later, in compat mode, with
  // a Docker-style line holding the id's first 12 characters.
  const { podman: setup } = recordingClient();
  await using _setup = setup;
  const repository = `${bed.registry}/podrx/${uniqueName("ids")}`;
  const name = `localhost/podrx-test/${uniqueName("ids")}:1`;
  await importImage(name);
  const image = await lastValueFrom(setup.images.get(name));
  await pushToOpenRegistry(setup, image, repository, "1");
  await lastValueFrom(setup.images.remove(image.id, { force: true }));

  const { podman, sent } = recordingClient({ keepAnswer: (url) => url.includes("/images/pull") });
  await using _ = podman;
  const pulled = await lastValueFrom(
    podman.images.pull(repository, { tag: "1", tlsVerify: false }),
  );
  assert.ok(pulled.type === "pulled");

  const pull = sent.findIndex((request) => request.url.includes("/images/pull"));
  const reported = reportedImage(await sent[pull]!.answer!);
  assert.ok(reported !== undefined, "the pull's body names no image");
  if ((await defaultPullLines()) === "docker") {
    assert.equal(reported, image.id.slice(0, 12));
  } else {
    assert.equal(reported, image.id);
  }
  // The next request inspects what the report wrote, unchanged.
  const inspect = new URL(sent[pull + 1]!.url);
  assert.match(inspect.pathname, /\/libpod\/images\/[^/]+\/json$/);
  assert.equal(decodeURIComponent(inspect.pathname.split("/").at(-2)!), reported);
  assert.equal(pulled.image.id, image.id);
  await lastValueFrom(podman.images.remove(image.id, { force: true }));
});

Deno.test("pull() of a tag that does not exist errors with the server's message, never pulled", async () => {
  await using podman = connect();
  const reference = `${bed.registry}/podrx/nothing-here:nope`;
  const { events, error } = await collect(podman.images.pull(reference, { tlsVerify: false }));

  assert.ok(error instanceof APIError, String(error));
  assert.match(error.message, new RegExp(`^Cannot pull image "${reference}": .*manifest unknown`));
  if (await serverFailsPullEarly()) {
    // A Docker-style pull fails before its first line, and libpod's (Podman 6) holds its
    // lines back until the image is found: with the registry's status, no events.
    assert.ok(error instanceof NotFound, String(error));
    assert.equal(error.status, 404);
    assert.equal(error.inStream, false);
    assert.deepEqual(events, []);
  } else {
    assert.equal(error.inStream, true);
    assert.ok(events.every((event) => event.type !== "pulled"));
    assert.ok(events.some((event) => event.type === "status"), "Trying to pull ... came first");
  }
});

Deno.test("pull() from the auth registry without credentials errors with the auth message", async () => {
  await using podman = connect();
  const { error } = await collect(
    podman.images.pull(`${bed.authRegistry}/podrx/busybox:t1`, { tlsVerify: false }),
  );
  assert.ok(error instanceof APIError, String(error));
  // Docker-style lines (and Podman 4.3) say "unauthorized: authentication required", libpod's
  // on Podman 6 "authentication required (401)".
  assert.match(error.message, /authentication required/);
});

Deno.test("pull() with allTags pulls every tag of the repository", async () => {
  const { podman, sent } = recordingClient();
  await using _ = podman;
  const repository = `${bed.registry}/podrx/${uniqueName("multi")}`;
  const first = await busybox(podman);
  const second = await lastValueFrom(podman.images.get(bed.labeledImage));
  await pushToOpenRegistry(podman, first, repository, "a");
  await pushToOpenRegistry(podman, second, repository, "b");
  await pushToOpenRegistry(podman, first, repository, "c");
  await lastValueFrom(first.untag(repository, "a"));
  await lastValueFrom(first.untag(repository, "c"));
  await lastValueFrom(second.untag(repository, "b"));

  const events = await lastValueFrom(
    podman.images.pull(repository, { allTags: true, tlsVerify: false }).pipe(toArray()),
  ).finally(async () => {
    // The pull tags the seeded images; other test files expect their tags as seeded.
    for (const [image, tag] of [[first, "a"], [second, "b"], [first, "c"]] as const) {
      await lastValueFrom(image.untag(repository, tag)).catch(() => undefined);
    }
  });

  const pulled = events.at(-1);
  if (pulled?.type !== "pulled") throw new Error(`last event: ${JSON.stringify(pulled)}`);
  // Three tags, two distinct images: the server's report lists the first one twice.
  assert.equal(pulled.images.length, 2);
  assert.deepEqual(pulled.images.map((image) => image.id).sort(), [first.id, second.id].sort());
  assert.equal(pulled.image, pulled.images[0]);
  const both = pulled.images.find((image) => image.id === first.id)!;
  assert.ok(both.tags.includes(`${repository}:a`) && both.tags.includes(`${repository}:c`));
  const trying = events.filter((event) => event.type === "status")
    .filter((event) => event.message.startsWith("Trying to pull"));
  assert.deepEqual(trying.map((event) => event.message).sort(), [
    `Trying to pull ${repository}:a...`,
    `Trying to pull ${repository}:b...`,
    `Trying to pull ${repository}:c...`,
  ]);
  const query = new URL(sent.find((request) => request.url.includes("/images/pull?"))!.url)
    .searchParams;
  assert.equal(query.get("reference"), repository);
  assert.equal(query.get("allTags"), "true");
  // Docker-style output would name only one image, so allTags asks for the libpod report.
  assert.equal(query.get("compatMode"), "false");
});

Deno.test("pull() sends the platform as OS, Arch and Variant", async () => {
  const { podman, sent } = recordingClient();
  await using _ = podman;
  const image = await busybox(podman);
  const repository = `${bed.registry}/podrx/${uniqueName("platform")}`;
  await pushToOpenRegistry(podman, image, repository, "1");
  const other = image.attrs.Architecture === "arm64" ? "s390x" : "arm64";

  const events = await lastValueFrom(
    podman.images.pull(`${repository}:1`, {
      platform: `linux/${other}/v8`,
      policy: "always",
      tlsVerify: false,
      // Docker-style lines (Podman 4.8 and later) drop the platform warning this test reads.
      compatMode: false,
    }).pipe(toArray()),
  );

  const query = new URL(sent.find((request) => request.url.includes("/images/pull?"))!.url)
    .searchParams;
  assert.equal(query.get("OS"), "linux");
  assert.equal(query.get("Arch"), other);
  assert.equal(query.get("Variant"), "v8");
  assert.equal(query.get("policy"), "always");
  // The server took the platform: it warns that the only image it found does not match.
  const warning = events.find((event) =>
    event.type === "status" && event.message.startsWith("WARNING: image platform")
  );
  const statuses = events.map((event) => event.type === "status" ? event.message : event.type);
  assert.ok(
    warning?.type === "status" && warning.message.includes(other),
    statuses.join("\n"),
  );
});

Deno.test("pull() with platform os alone sends only OS, and the server picks the architecture", async () => {
  const { podman, sent } = recordingClient();
  await using _ = podman;
  const image = await busybox(podman);
  const repository = `${bed.registry}/podrx/${uniqueName("platform-os")}`;
  await pushToOpenRegistry(podman, image, repository, "1");

  const pulled = await podman.images.promises.pull(`${repository}:1`, {
    platform: "linux",
    policy: "always",
    tlsVerify: false,
  });

  const query = new URL(sent.find((request) => request.url.includes("/images/pull?"))!.url)
    .searchParams;
  assert.equal(query.get("OS"), "linux");
  assert.equal(query.has("Arch"), false);
  assert.equal(query.has("Variant"), false);
  assert.equal(pulled.id, image.id);
});

Deno.test("pull() rejects a tag given twice and malformed references on subscribe", async () => {
  await using podman = connect();
  const pull = (repository: string, options?: PullOptions) =>
    lastValueFrom(podman.images.pull(repository, options));
  await assert.rejects(pull("x:1", { tag: "2" }), {
    name: "TypeError",
    message: /already names a tag/,
  });
  await assert.rejects(pull(`x@sha256:${"a".repeat(64)}`, { tag: "2" }), {
    name: "TypeError",
    message: /already names a digest/,
  });
  await assert.rejects(pull(""), TypeError);
  await assert.rejects(pull("UPPER/case"), RangeError);
  await assert.rejects(pull("a//b"), RangeError);
  await assert.rejects(pull("x@sha256:short"), RangeError);
  await assert.rejects(pull("x", { tag: "no spaces" }), RangeError);
  await assert.rejects(pull("x:1", { allTags: true }), TypeError);
  await assert.rejects(pull("x", { platform: "linux/amd64/v2/extra" }), RangeError);
  await assert.rejects(pull("x", { platform: "linux//v7" }), RangeError);
  await assert.rejects(pull("x", { policy: "sometimes" as "always" }), RangeError);
});

Deno.test("pull() unsubscribed after the first event aborts, and the client keeps working", async () => {
  const { podman, sent } = recordingClient();
  await using _ = podman;
  const image = await busybox(podman);
  const repository = `${bed.registry}/podrx/${uniqueName("cancel")}`;
  await pushToOpenRegistry(podman, image, repository, "1");
  await lastValueFrom(image.untag(repository, "1"));

  const seen: PullEvent[] = [];
  let ended = false;
  await new Promise<void>((resolve) => {
    const subscription = podman.images.pull(`${repository}:1`, { tlsVerify: false }).subscribe({
      next: (event) => {
        seen.push(event);
        subscription.unsubscribe();
        resolve();
      },
      error: () => (ended = true),
      complete: () => (ended = true),
    });
  });

  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.type, (await defaultPullLines()) === "docker" ? "progress" : "status");
  assert.equal(ended, false, "an unsubscribed pull neither errors nor completes");
  const pullRequest = sent.find((request) => request.url.includes("/images/pull?"));
  assert.equal(pullRequest?.init.signal?.aborted, true, "the request was aborted");
  // The same client (and its connection pool) serves the next request.
  const images = await lastValueFrom(podman.images.list());
  assert.ok(images.some((each) => each.id === image.id));
});

Deno.test("pull() with a tiny timeout fails with PodmanError, and the client keeps working", async () => {
  await using podman = connect();
  const { events, error } = await collect(
    podman.images.pull(`${bed.registry}/podrx/never:1`, { tlsVerify: false, timeout: 1 }),
  );
  assert.deepEqual(events, []);
  assert.ok(error instanceof PodmanError && !(error instanceof APIError), String(error));
  assert.match(error.message, /^Cannot pull image ".*never:1": no answer from Podman within 1 ms$/);
  assert.ok((await lastValueFrom(podman.images.list())).length > 0);
});

Deno.test("pull() sends no X-Registry-Auth header without credentials, the encoded one with", async () => {
  const { podman, sent } = recordingClient();
  await using _ = podman;
  const reference = `${bed.registry}/podrx/absent-again:1`;
  await collect(podman.images.pull(reference, { tlsVerify: false }));
  await collect(podman.images.pull(reference, { tlsVerify: false, authConfig: credentials }));

  const pulls = sent.filter((request) => request.url.includes("/images/pull?"));
  assert.equal(pulls.length, 2);
  const [anonymous, authenticated] = pulls.map((request) => new Headers(request.init.headers));
  assert.equal(anonymous?.has("X-Registry-Auth"), false);
  assert.equal(
    authenticated?.get("X-Registry-Auth"),
    encodeRegistryAuth(credentials, reference).headers["X-Registry-Auth"],
  );
  const query = new URL(pulls[0]!.url).searchParams;
  assert.equal(query.get("reference"), reference);
  assert.equal(query.get("tlsVerify"), "false");
  // Podman 6 gets the bytes of each layer in libpod's stream, which rules out compatMode.
  const bytes = (await defaultPullLines()) === "libpod+bytes";
  assert.equal(query.get("compatMode"), bytes ? "false" : "true");
  assert.equal(query.get("pullProgress"), bytes ? "true" : null);
  assert.equal(query.has("allTags"), false);
});

// --- event mapping for shapes Podman 4.3.1 cannot send -----------------------------------

// As Podman 5.8's CompatPull encodes them (jsonmessage.JSONMessage; `compatMode=true`).
const IMAGE_ID = "3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741";
const COMPAT_SUCCESS = [
  { status: "Pulling fs layer", progressDetail: {}, id: "a3ed95caeb02" },
  { status: "Pulling fs layer", progressDetail: {}, id: "3f57d9401f8d" },
  { status: "Already exists", progressDetail: {}, id: "9fd3b2c4e1aa" },
  {
    status: "Downloading",
    progressDetail: { current: 32768, total: 2826816 },
    progress: "[>                                                  ]  32.77kB/2.827MB",
    id: "a3ed95caeb02",
  },
  {
    status: "Downloading",
    progressDetail: { current: 2826816, total: 2826816 },
    progress: "[==================================================>]  2.827MB/2.827MB",
    id: "a3ed95caeb02",
  },
  { status: "Download complete", progressDetail: {}, id: "a3ed95caeb02" },
  { status: "Downloading", progressDetail: { current: 581, total: 581 }, id: "3f57d9401f8d" },
  { status: "Download complete", progressDetail: {}, id: "3f57d9401f8d" },
  // The final line: same shape as a layer's, but the id is the IMAGE id's first 12 digits.
  { status: "Download complete", progressDetail: {}, id: IMAGE_ID.slice(0, 12) },
];

function readAll(lines: unknown[]): { events: PullEvent[]; reader: PullStreamReader } {
  const reader = new PullStreamReader();
  const events: PullEvent[] = [];
  for (const line of lines) reader.read(line, (event) => events.push(event));
  return { events, reader };
}

Deno.test("PullStreamReader maps Podman 5 compat lines to layer progress and an image id prefix", () => {
  const { events, reader } = readAll(COMPAT_SUCCESS);
  assert.deepEqual(events, [
    { type: "progress", id: "a3ed95caeb02", status: "Pulling fs layer" },
    { type: "progress", id: "3f57d9401f8d", status: "Pulling fs layer" },
    { type: "progress", id: "9fd3b2c4e1aa", status: "Already exists" },
    { type: "progress", id: "a3ed95caeb02", status: "Downloading", current: 32768, total: 2826816 },
    {
      type: "progress",
      id: "a3ed95caeb02",
      status: "Downloading",
      current: 2826816,
      total: 2826816,
    },
    { type: "progress", id: "a3ed95caeb02", status: "Download complete" },
    { type: "progress", id: "3f57d9401f8d", status: "Downloading", current: 581, total: 581 },
    { type: "progress", id: "3f57d9401f8d", status: "Download complete" },
  ]);
  // The image line is not a layer event; it names the image, by prefix.
  assert.deepEqual(reader.end(), { kind: "prefix", prefix: IMAGE_ID.slice(0, 12) });
});

Deno.test("PullStreamReader maps libpod lines and prefers the images report", () => {
  const { events, reader } = readAll([
    { stream: "Trying to pull quay.io/podman/hello:latest...\n" },
    { stream: "Getting image source signatures\n" },
    {
      stream:
        "Copying blob sha256:81df7ff16254ed9756e27c8de9ceb02a9568228fccadbf080f41cc5eb5118a44\n",
    },
    { images: [IMAGE_ID], id: IMAGE_ID },
  ]);
  assert.deepEqual(events, [
    { type: "status", message: "Trying to pull quay.io/podman/hello:latest..." },
    { type: "status", message: "Getting image source signatures" },
    {
      type: "status",
      message:
        "Copying blob sha256:81df7ff16254ed9756e27c8de9ceb02a9568228fccadbf080f41cc5eb5118a44",
    },
  ]);
  assert.deepEqual(reader.end(), { kind: "ids", ids: [IMAGE_ID] });
});

Deno.test("PullStreamReader reads Podman 6 reports with status fields and dedupes ids", () => {
  const other = "b".repeat(64);
  const { events, reader } = readAll([
    { status: "pulling", stream: "Trying to pull x...\n" },
    { status: "pulling" },
    { status: "success", images: [IMAGE_ID, other, IMAGE_ID], id: other },
  ]);
  assert.deepEqual(events, [{ type: "status", message: "Trying to pull x..." }]);
  assert.deepEqual(reader.end(), { kind: "ids", ids: [IMAGE_ID, other] });
});

Deno.test("PullStreamReader finds no image in a stream that names none", () => {
  assert.deepEqual(readAll([{ stream: "Trying to pull x...\n" }]).reader.end(), { kind: "none" });
  assert.deepEqual(readAll([]).reader.end(), { kind: "none" });
  // A final compat line without an id names none (one whose id is not hex still names the
  // image: see pull_stream_shapes_test.ts).
  const odd = readAll([{ status: "Download complete", progressDetail: {} }]);
  assert.deepEqual(odd.reader.end(), { kind: "none" });
});

Deno.test("PushEvent lists only what push emits: status lines and pushed, no layer progress", () => {
  // Podman 4.3 and 5.4 stream no per-layer progress for a push (the tests above see only
  // status lines), so a progress event is not a PushEvent.
  // @ts-expect-error: not a member of PushEvent
  const progress: PushEvent = { type: "progress", id: "0123456789ab", status: "Pushing" };
  assert.equal(progress.type, "progress");
});

Deno.test("PushStreamReader maps Podman 5 push lines: status, then the manifest digest", () => {
  const reader = new PushStreamReader();
  const digest = `sha256:${"c".repeat(64)}`;
  const events: PushEvent[] = [
    { stream: "Getting image source signatures\n" },
    { stream: "Copying blob sha256:abc\n" },
    { stream: "Writing manifest to image destination\n" },
    { manifestdigest: digest },
  ].flatMap((line) => reader.read(line));
  assert.deepEqual(events, [
    { type: "status", message: "Getting image source signatures" },
    { type: "status", message: "Copying blob sha256:abc" },
    { type: "status", message: "Writing manifest to image destination" },
  ]);
  assert.equal(reader.digest, digest);
  assert.deepEqual(new PushStreamReader().read("\n"), []);
});

// --- RegistryData ---------------------------------------------------------------------------

Deno.test("RegistryData.pull() pulls by the image name, never by its id as a tag", async () => {
  const { podman, sent } = recordingClient();
  await using _ = podman;
  const image = await busybox(podman);
  const repository = `${bed.registry}/podrx/${uniqueName("rdpull")}`;
  await pushToOpenRegistry(podman, image, repository, "1");
  const data = await lastValueFrom(
    podman.images.getRegistryData(`${repository}:1`, { tlsVerify: false }),
  );
  await lastValueFrom(image.untag(repository, "1"));

  const events = await lastValueFrom(data.pull({ tlsVerify: false }).pipe(toArray()));

  const query = new URL(sent.find((request) => request.url.includes("/images/pull?"))!.url)
    .searchParams;
  assert.equal(query.get("reference"), `${repository}:1`);
  if ((await defaultPullLines()) !== "docker") {
    const trying = events.find((event) => event.type === "status");
    assert.deepEqual(trying, { type: "status", message: `Trying to pull ${repository}:1...` });
  }
  const pulled = events.at(-1);
  if (pulled?.type !== "pulled") throw new Error(`last event: ${JSON.stringify(pulled)}`);
  assert.equal(pulled.image.id, image.id);
});

// --- whole operations over canned Podman 5 answers (no server) ---------------------------

/** A client whose transport answers from `answer`, recording each request URL. */
function cannedClient(
  apiVersion: string,
  answer: (url: URL) => Response,
): { podman: PodmanClient; urls: URL[] } {
  const urls: URL[] = [];
  const podman = new PodmanClient({
    apiVersion,
    transport: {
      origin: "http://libpod",
      description: "canned answers",
      fetch: (url) => {
        urls.push(new URL(url));
        return Promise.resolve(answer(new URL(url)));
      },
      close: () => {},
    },
  });
  return { podman, urls };
}

function jsonLines(lines: unknown[]): Response {
  return new Response(lines.map((line) => JSON.stringify(line) + "\n").join(""), {
    headers: { "content-type": "application/json" },
  });
}

Deno.test("pull() of Podman 5 compat lines ends with the image its final line names", async () => {
  const { podman, urls } = cannedClient(
    "5.8.0",
    (url) =>
      url.pathname.endsWith("/images/pull")
        ? jsonLines(COMPAT_SUCCESS)
        : Response.json({ Id: IMAGE_ID, RepoTags: ["quay.io/podman/hello:latest"] }),
  );
  await using _ = podman;

  const events = await lastValueFrom(podman.images.pull("quay.io/podman/hello").pipe(toArray()));

  assert.equal(events.filter((event) => event.type === "progress").length, 8);
  const pulled = events.at(-1);
  if (pulled?.type !== "pulled") throw new Error(`last event: ${JSON.stringify(pulled?.type)}`);
  assert.equal(pulled.image.id, IMAGE_ID);
  assert.equal(urls[0]?.searchParams.get("reference"), "quay.io/podman/hello:latest");
  // The image is looked up by the final line's id, never by a layer's.
  assert.equal(urls[1]?.pathname, `/v5.8.0/libpod/images/${IMAGE_ID.slice(0, 12)}/json`);
});

Deno.test("pull() that ends without naming an image errors with APIError, never an empty image", async () => {
  const { podman, urls } = cannedClient(
    "5.8.0",
    () => jsonLines([{ stream: "Trying to pull x...\n" }]),
  );
  await using _ = podman;

  const { events, error } = await collect(podman.images.pull("localhost/x", { tag: "1" }));

  assert.deepEqual(events, [{ type: "status", message: "Trying to pull x..." }]);
  assert.ok(error instanceof APIError, String(error));
  assert.match(error.message, /^Cannot pull image "localhost\/x:1": .*without naming an image/);
  assert.equal(urls.length, 1, "no inspect of an image that was never named");
});

Deno.test("pull() refuses a final id that is not the inspected image's", async () => {
  const { podman } = cannedClient(
    "5.8.0",
    (url) =>
      url.pathname.endsWith("/images/pull")
        ? jsonLines(COMPAT_SUCCESS)
        : Response.json({ Id: "0".repeat(64) }),
  );
  await using _ = podman;
  const { events, error } = await collect(podman.images.pull("localhost/x"));
  assert.ok(error instanceof APIError, String(error));
  assert.ok(events.every((event) => event.type !== "pulled"));
});

Deno.test("push() on API 5 streams (quiet=false) and reports the manifest digest", async () => {
  const digest = `sha256:${"d".repeat(64)}`;
  const { podman, urls } = cannedClient("5.8.0", () =>
    jsonLines([
      { stream: "Getting image source signatures\n" },
      { stream: "Writing manifest to image destination\n" },
      { manifestdigest: digest },
    ]));
  await using _ = podman;

  const events = await lastValueFrom(
    podman.images.push("localhost/app", { tag: "1", destination: "127.0.0.1:5000/app:1" })
      .pipe(toArray()),
  );

  assert.deepEqual(events, [
    { type: "status", message: "Getting image source signatures" },
    { type: "status", message: "Writing manifest to image destination" },
    { type: "pushed", destination: "127.0.0.1:5000/app:1", digest },
  ]);
  assert.equal(urls[0]?.pathname, "/v5.8.0/libpod/images/localhost%2Fapp%3A1/push");
  assert.equal(urls[0]?.searchParams.get("quiet"), "false");
  assert.equal(urls[0]?.searchParams.get("destination"), "127.0.0.1:5000/app:1");
});

Deno.test("push() on API 5 raises an in-band error line as APIError", async () => {
  const { podman } = cannedClient("5.8.0", () =>
    jsonLines([
      { stream: "Getting image source signatures\n" },
      { error: "writing blob: unauthorized: authentication required" },
    ]));
  await using _ = podman;
  const { events, error } = await collect(podman.images.push("localhost/app:1"));
  assert.deepEqual(events, [{ type: "status", message: "Getting image source signatures" }]);
  assert.ok(error instanceof APIError && error.inStream, String(error));
  assert.equal(
    error.message,
    'Cannot push image "localhost/app:1": writing blob: unauthorized: authentication required',
  );
});

Deno.test("push() on API 4 blocks (quiet=true)", async () => {
  const { podman, urls } = cannedClient("4.9.4", () => new Response("\n"));
  await using _ = podman;
  const events = await lastValueFrom(podman.images.push("localhost/app:1").pipe(toArray()));
  assert.deepEqual(events, [{ type: "pushed", destination: "localhost/app:1" }]);
  assert.equal(urls[0]?.searchParams.get("quiet"), "true");
});
