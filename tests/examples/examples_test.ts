// The examples, run as a user runs them (`deno run -A examples/<name>.ts ...`, as subprocesses),
// against the test bed's Podman service and registries; plus the fake server for what the real
// one cannot show on demand (a pull that never ends, a registry failing with 5xx).
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { APIError, ImageNotFound, PodmanClient, PodmanError } from "../../mod.ts";
import { isTransient } from "../../examples/mirror.ts";
import { podmanCli, testBed } from "../bed/env.ts";
import { silentBody, startFakePodman } from "../fake/fake_podman.ts";
import { importImage, podmanOk, uniqueName } from "../images/_fixtures.ts";
import { explain, runExample, startExample } from "./_example_process.ts";

const bed = testBed();
const SOCKET_URL = `unix://${bed.socketPath}`;

/** The tags of `repository` in a registry (basic auth when `auth` is given). */
async function registryTags(
  registry: string,
  repository: string,
  auth?: { username: string; password: string },
): Promise<string[]> {
  const headers: Record<string, string> = auth
    ? { authorization: `Basic ${btoa(`${auth.username}:${auth.password}`)}` }
    : {};
  const response = await fetch(`http://${registry}/v2/${repository}/tags/list`, { headers });
  const text = await response.text();
  assert.equal(response.status, 200, `tags of ${repository} in ${registry}: ${text}`);
  return (JSON.parse(text) as { tags: string[] | null }).tags ?? [];
}

/** The id of the image `repository:tag` holds in a registry: its config digest. */
async function registryImageId(
  registry: string,
  repository: string,
  tag: string,
  auth: { username: string; password: string },
): Promise<string> {
  const response = await fetch(`http://${registry}/v2/${repository}/manifests/${tag}`, {
    headers: {
      authorization: `Basic ${btoa(`${auth.username}:${auth.password}`)}`,
      accept: "application/vnd.oci.image.manifest.v1+json, " +
        "application/vnd.docker.distribution.manifest.v2+json",
    },
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return (JSON.parse(text) as { config: { digest: string } }).config.digest.replace(/^sha256:/, "");
}

async function imageExists(name: string): Promise<boolean> {
  const result = await podmanOk(["images", "--quiet", "--no-trunc", "--all"]);
  return result.split("\n").some((line) => line.replace(/^sha256:/, "") === name);
}

/** Pushes `source` (a local image) to the open registry as `repository:tag`. */
async function pushToOpenRegistry(
  source: string,
  repository: string,
  tag: string,
): Promise<string> {
  await using podman = new PodmanClient({ baseUrl: SOCKET_URL });
  const image = await lastValueFrom(podman.images.get(source));
  await lastValueFrom(image.tag(`${bed.registry}/${repository}`, tag));
  await lastValueFrom(
    podman.images.push(`${bed.registry}/${repository}:${tag}`, { tlsVerify: false }),
  );
  return image.id;
}

Deno.test("pipeline.ts builds, pushes, pulls back, saves and loads the same image, logs live", async () => {
  const tag = uniqueName("t");
  const repository = "podrx-examples/pipeline";
  const run = startExample("pipeline.ts", [
    "--url",
    SOCKET_URL,
    "--registry",
    bed.registry,
    "--tls-verify=false",
    "--repository",
    repository,
    "--tag",
    tag,
  ]);
  const result = await run.done;
  try {
    assert.equal(result.code, 0, explain(result));
    const built = /^built +([0-9a-f]{64})$/m.exec(result.stdout)?.[1];
    const pulled = /^pulled +([0-9a-f]{64})$/m.exec(result.stdout)?.[1];
    const loaded = /^loaded +([0-9a-f]{64})$/m.exec(result.stdout)?.[1];
    assert.ok(built && pulled && loaded, explain(result));
    assert.equal(pulled, built);
    assert.equal(loaded, built);
    // The loaded image is back under its name, and the registry has the tag.
    const id = await podmanOk([
      "image",
      "inspect",
      "--format",
      "{{.Id}}",
      `localhost/${repository}:${tag}`,
    ]);
    assert.equal(id.trim(), built);
    assert.ok((await registryTags(bed.registry, repository)).includes(tag));
    // The RUN step prints a line every half second: they reached the terminal as they came.
    const first = run.chunks.find((chunk) => chunk.text.includes("counting 1"));
    const third = run.chunks.find((chunk) => chunk.text.includes("counting 3"));
    assert.ok(first && third, explain(result));
    assert.ok(third.at - first.at >= 700, `"counting 3" came ${third.at - first.at} ms after 1`);
    assert.match(result.stdout, /✔ pushed .*\n/);
    // Progress lines (libpod status lines on Podman 4, layer states on Podman 5).
    assert.match(result.stdout, /^ {2}pull: /m);
  } finally {
    await podmanCli(["rmi", "--force", `localhost/${repository}:${tag}`]);
  }
});

Deno.test("cleanup.ts prunes dangling images older than the duration and prints the bytes", async () => {
  const name = `localhost/${uniqueName("podrx-examples-cleanup")}:1`;
  // Importing twice under one name leaves the first image dangling.
  const dangling = await importImage(name);
  const current = await importImage(name);
  try {
    assert.equal(
      (await podmanOk(["image", "inspect", "--format", "{{.RepoTags}}", dangling])).trim(),
      "[]",
    );

    const young = await runExample("cleanup.ts", ["--url", SOCKET_URL, "24h"]);
    assert.equal(young.code, 0, explain(young));
    assert.match(young.stdout, /^Reclaimed \d+ bytes/m);
    assert.ok(!young.stdout.includes(dangling), "a minutes-old image is not 24 h old");
    assert.ok(await imageExists(dangling));

    // `until` compares whole seconds of the creation time.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const old = await runExample("cleanup.ts", ["--url", SOCKET_URL, "1s"]);
    assert.equal(old.code, 0, explain(old));
    assert.ok(old.stdout.includes(`removed ${dangling}`), explain(old));
    const bytes = Number(/^Reclaimed (\d+) bytes \(.+\) from \d+ images?$/m.exec(old.stdout)?.[1]);
    assert.ok(bytes > 0, explain(old));
    assert.equal(await imageExists(dangling), false);
    assert.ok(await imageExists(current), "a named image stays");
  } finally {
    await podmanCli(["rmi", "--force", name]);
  }
});

Deno.test("cleanup.ts refuses a malformed duration before connecting", async () => {
  const result = await runExample("cleanup.ts", ["--url", "unix:///nonexistent.sock", "1 day"]);
  assert.equal(result.code, 2, explain(result));
  assert.match(result.stderr, /"1 day" is not a duration/);
});

Deno.test("mirror.ts copies images from the open registry to the auth registry", async () => {
  const tag = uniqueName("m");
  const busyboxId = await pushToOpenRegistry(bed.busyboxImage, "podrx-examples/mirror-a", tag);
  const labeledId = await pushToOpenRegistry(bed.labeledImage, "podrx-examples/mirror-b", tag);
  const result = await runExample("mirror.ts", [
    "--url",
    SOCKET_URL,
    "--from",
    bed.registry,
    "--to",
    bed.authRegistry,
    "--to-user",
    bed.authUser,
    "--to-password",
    bed.authPassword,
    "--tls-verify=false",
    "--concurrency",
    "2",
    `podrx-examples/mirror-a:${tag}`,
    `podrx-examples/mirror-b:${tag}`,
  ]);
  const auth = { username: bed.authUser, password: bed.authPassword };
  try {
    assert.equal(result.code, 0, explain(result));
    assert.match(result.stdout, /^Mirrored 2 of 2 images$/m);
    for (
      const [repository, id] of [
        ["podrx-examples/mirror-a", busyboxId],
        ["podrx-examples/mirror-b", labeledId],
      ] as const
    ) {
      assert.ok((await registryTags(bed.authRegistry, repository, auth)).includes(tag), repository);
      assert.equal(await registryImageId(bed.authRegistry, repository, tag, auth), id);
    }
    // The target name was only for the push.
    assert.equal(await imageExists(`${bed.authRegistry}/podrx-examples/mirror-a:${tag}`), false);
  } finally {
    for (const repository of ["podrx-examples/mirror-a", "podrx-examples/mirror-b"]) {
      await podmanCli(["rmi", "--force", `${bed.registry}/${repository}:${tag}`]);
    }
  }
});

function libpodError(status: number, message: string): Response {
  return Response.json({ cause: message, message, response: status }, { status });
}

Deno.test("mirror.ts retries a copy that fails with 5xx, with a delay, then gives up", async () => {
  await using fake = await startFakePodman(() => libpodError(503, "registry is overloaded"));
  const result = await runExample("mirror.ts", [
    "--url",
    `unix://${fake.socketPath}`,
    "--from",
    "127.0.0.1:1",
    "--to",
    "127.0.0.1:2",
    "--retries",
    "2",
    "--retry-delay",
    "10",
    "team/app:1",
  ]);
  assert.equal(result.code, 1, explain(result));
  const pulls = fake.requests.filter((request) => request.path.includes("/images/pull"));
  assert.equal(pulls.length, 3, "one try and two retries");
  assert.match(result.stdout, /retry 2\/2 in 20 ms/);
  assert.match(result.stdout, /^Mirrored 0 of 1 images$/m);
  assert.match(result.stderr, /1 image could not be mirrored/);
});

Deno.test("mirror.ts never retries a 4xx", async () => {
  await using fake = await startFakePodman(() => libpodError(404, "manifest unknown"));
  const result = await runExample("mirror.ts", [
    "--url",
    `unix://${fake.socketPath}`,
    "--from",
    "127.0.0.1:1",
    "--to",
    "127.0.0.1:2",
    "--retries",
    "3",
    "--retry-delay",
    "10",
    "team/app:1",
  ]);
  assert.equal(result.code, 1, explain(result));
  assert.equal(fake.requests.length, 1, JSON.stringify(fake.requests.map((r) => r.path)));
  assert.match(result.stdout, /manifest unknown/);
});

Deno.test("isTransient() takes 5xx and unreachable services, never 4xx or in-stream errors", () => {
  const details = { method: "POST", path: "/images/pull", explanation: "x" };
  assert.equal(isTransient(new APIError("Cannot pull", { ...details, status: 500 })), true);
  assert.equal(isTransient(new APIError("Cannot pull", { ...details, status: 503 })), true);
  assert.equal(isTransient(new PodmanError("Cannot pull: connection refused")), true);
  assert.equal(isTransient(new APIError("Cannot pull", { ...details, status: 400 })), false);
  assert.equal(isTransient(new ImageNotFound("Cannot pull", { ...details, status: 404 })), false);
  assert.equal(
    isTransient(new APIError("Cannot pull", { ...details, status: 200, inStream: true })),
    false,
  );
  assert.equal(isTransient(new TypeError("bad name")), false);
});

Deno.test("pull_with_progress.ts pulls with one progress bar and prints the image id", async () => {
  const tag = uniqueName("p");
  const repository = "podrx-examples/pull";
  const id = await pushToOpenRegistry(bed.labeledImage, repository, tag);
  const result = await runExample("pull_with_progress.ts", [
    "--url",
    SOCKET_URL,
    "--tls-verify=false",
    `${bed.registry}/${repository}:${tag}`,
  ]);
  try {
    assert.equal(result.code, 0, explain(result));
    // Progress lines (libpod status lines on Podman 4, percentages on Podman 5).
    assert.match(result.stdout, /^ {2}pull: /m);
    assert.ok(
      result.stdout.includes(`Pulled ${bed.registry}/${repository}:${tag}: ${id}\n`),
      explain(result),
    );
  } finally {
    await podmanCli(["rmi", "--force", `${bed.registry}/${repository}:${tag}`]);
  }
});

Deno.test("pull_with_progress.ts exits 130 on Ctrl-C, after aborting the pull", async () => {
  let cancelled: Promise<void> | undefined;
  await using fake = await startFakePodman((_request, url) => {
    if (!url.pathname.endsWith("/images/pull")) return libpodError(404, "not here");
    const silent = silentBody(`{"stream":"Trying to pull 127.0.0.1:1/slow:1...\\n"}\n`);
    cancelled = silent.cancelled;
    return new Response(silent.body);
  });
  const run = startExample("pull_with_progress.ts", [
    "--url",
    `unix://${fake.socketPath}`,
    "127.0.0.1:1/slow:1",
  ], { timeoutMs: 30_000 });
  await run.waitFor("Trying to pull", 20_000);
  const interrupted = performance.now();
  run.child.kill("SIGINT");
  const result = await run.done;
  const took = performance.now() - interrupted;
  assert.equal(result.signal, null, "it exits by itself, not by the signal");
  assert.equal(result.code, 130, explain(result));
  assert.ok(took < 3_000, `it took ${took} ms to exit`);
  assert.match(result.stderr, /Interrupted: the request was cancelled/);
  assert.ok(cancelled, "the pull reached the server");
  // The server saw the request go away: its response body was cancelled.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gone = await Promise.race([
    cancelled.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 2_000))),
  ]);
  clearTimeout(timer);
  assert.ok(gone, "the request was aborted");
  assert.equal(fake.requests.length, 1);
});
