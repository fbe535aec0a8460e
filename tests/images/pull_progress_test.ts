// Byte progress of pulls (`pullProgress`, Podman 6): a real pull of a big layer on Podman 6,
// the refusal before sending on older servers, the modes asked for per server version, and
// the mapping of the lines Podman 6.1 sends.
import assert from "node:assert/strict";
import { lastValueFrom, toArray } from "rxjs";
import {
  type LayerProgressEvent,
  PodmanClient,
  PodmanError,
  progress,
  type PullEvent,
  type PullOptions,
  unixSocketTransport,
} from "../../mod.ts";
import { PullStreamReader } from "../../src/images/operations/_pull_stream.ts";
import { testBed } from "../bed/env.ts";
import { serverAtLeast } from "../bed/server_version.ts";
import { startFakePodman } from "../fake/fake_podman.ts";
import { startSlowRegistry } from "../fake/slow_registry.ts";
import { pushLayerImage } from "./_layer_image.ts";
import { IMAGE_ID, LAYER, PODMAN6_EVENTS, PODMAN6_LINES } from "./_podman6_pull.ts";
import { podmanOk, uniqueName } from "./_fixtures.ts";

const MiB = 1024 * 1024;

/** A client on the bed's socket that records the URL of every request it sends. */
function recordingClient(): { podman: PodmanClient; urls: URL[] } {
  const urls: URL[] = [];
  const real = unixSocketTransport(testBed().socketPath);
  const podman = new PodmanClient({
    transport: {
      origin: real.origin,
      description: real.description,
      fetch: (url, init) => {
        urls.push(new URL(url));
        return real.fetch(url, init);
      },
      close: () => real.close(),
    },
  });
  return { podman, urls };
}

function pullQuery(urls: URL[]): URLSearchParams {
  const pull = urls.find((url) => url.pathname.endsWith("/images/pull"));
  if (pull === undefined) throw new Error("no pull request was sent");
  return pull.searchParams;
}

// --- a real pull on Podman 6 -----------------------------------------------------------------

Deno.test("pull() on Podman 6.0+ reports a layer's bytes growing to the registry's blob size", async () => {
  if (!(await serverAtLeast(6, 0))) return; // pullProgress is Podman 6's
  const bed = testBed();
  const image = await pushLayerImage(bed.registry, `podrx/${uniqueName("bytes")}`, "1", 48 * MiB);
  // 12 MiB/s: the layer takes about 4 s, and Podman reports a blob's bytes once a second.
  await using slow = startSlowRegistry(bed.registry, 12 * MiB);
  const reference = image.reference.replace(bed.registry, slow.address);
  const { podman, urls } = recordingClient();
  await using _ = podman;

  const snapshots = await lastValueFrom(
    podman.images.pull(reference, { tlsVerify: false }).pipe(progress(), toArray()),
  ).finally(() => podmanOk(["rmi", "--ignore", reference]));

  const query = pullQuery(urls);
  assert.equal(query.get("pullProgress"), "true");
  assert.equal(query.get("compatMode"), "false");
  const events = snapshots.map((snapshot) => snapshot.event);
  const ofBlob = (digest: string) =>
    events.filter((event): event is LayerProgressEvent =>
      event.type === "progress" && event.id === digest
    );
  const layer = ofBlob(image.layer.digest);
  const counts = layer.map((event) => event.current ?? 0);
  const trace = JSON.stringify(layer);
  assert.ok(counts.every((count, index) => index === 0 || count > counts[index - 1]!), trace);
  assert.ok(layer.every((event) => event.total === image.layer.size), trace);
  const midway = layer.filter((event) => event.current! > 0 && event.current! < image.layer.size);
  assert.ok(midway.length >= 2, `several steps between start and end: ${trace}`);
  assert.deepEqual(layer.at(-1), {
    type: "progress",
    id: image.layer.digest,
    status: "Download complete",
    current: image.layer.size,
    total: image.layer.size,
  });
  // Podman reports the config blob too; its digest is the image id.
  assert.deepEqual(ofBlob(image.config.digest).at(-1), {
    type: "progress",
    id: image.config.digest,
    status: "Download complete",
    current: image.config.size,
    total: image.config.size,
  });
  // libpod's status lines still come, and the report names the image by its full id.
  assert.ok(events.some((event) => event.type === "status" && event.message.startsWith("Trying")));
  const last = snapshots.at(-1)!;
  assert.equal(last.event.type, "pulled");
  if (last.event.type !== "pulled") throw new Error("unreachable");
  assert.equal(last.event.image.id, image.config.digest.slice("sha256:".length));
  const beforeEnd = snapshots.at(-2)!;
  assert.equal(beforeEnd.bytesTotal, image.layer.size + image.config.size);
  assert.equal(beforeEnd.bytesDone, beforeEnd.bytesTotal);
  assert.equal(beforeEnd.layersDone, 2);
  assert.ok(snapshots.some((snapshot) => snapshot.fraction! > 0 && snapshot.fraction! < 1));
});

Deno.test("pull() on Podman 6.0+ with pullProgress: false asks for Docker-style lines", async () => {
  if (!(await serverAtLeast(6, 0))) return; // before 6.0 this is every pull's default
  const bed = testBed();
  const image = await pushLayerImage(bed.registry, `podrx/${uniqueName("nobytes")}`, "1", 1024);
  const { podman, urls } = recordingClient();
  await using _ = podman;

  const events = await lastValueFrom(
    podman.images.pull(image.reference, { tlsVerify: false, pullProgress: false }).pipe(
      toArray(),
    ),
  ).finally(() => podmanOk(["rmi", "--ignore", image.reference]));

  assert.equal(pullQuery(urls).get("compatMode"), "true");
  assert.equal(pullQuery(urls).has("pullProgress"), false);
  // Docker-style lines name layers by 12 hex digits, and no status line comes.
  const layers = events.filter((event) => event.type === "progress");
  assert.ok(layers.length > 0 && layers.every((event) => /^[0-9a-f]{12}$/.test(event.id)));
  assert.ok(events.every((event) => event.type !== "status"));
  assert.equal(events.at(-1)?.type, "pulled");
});

Deno.test("pull() with pullProgress: true before Podman 6.0 errors before sending", async () => {
  if (await serverAtLeast(6, 0)) return; // Podman 4.3 and 5.x ignore the parameter
  const { podman, urls } = recordingClient();
  await using _ = podman;
  const version = await podman.apiVersion();

  await assert.rejects(
    lastValueFrom(podman.images.pull(`${testBed().registry}/podrx/any:1`, { pullProgress: true })),
    (error: unknown) => {
      assert.ok(error instanceof PodmanError, String(error));
      assert.equal(
        error.message,
        `Cannot pull image "${testBed().registry}/podrx/any:1": ` +
          `pullProgress needs Podman 6.0 or later; the server runs ${version}`,
      );
      return true;
    },
  );
  assert.ok(urls.every((url) => !url.pathname.endsWith("/images/pull")), "nothing was sent");
});

// --- the modes asked for, per server version (fake servers) -------------------------------

/** A fake Podman of `apiVersion` whose pull answers `body` and whose inspect the image. */
function fakePodman(apiVersion: string, body: () => BodyInit = () => lines(PODMAN6_LINES)) {
  return startFakePodman(
    (_request, url) =>
      url.pathname.endsWith("/images/pull")
        ? new Response(body(), { headers: { "Content-Type": "application/json" } })
        : Response.json({ Id: IMAGE_ID, RepoTags: ["127.0.0.1:5099/podrx/big:1"] }),
    { apiVersion },
  );
}

function lines(values: unknown[]): string {
  return values.map((value) => JSON.stringify(value) + "\n").join("");
}

function sentQuery(fake: { requests: { path: string }[] }): URLSearchParams | undefined {
  const pull = fake.requests.find((request) => request.path.includes("/images/pull?"));
  return pull && new URL(pull.path, "http://x").searchParams;
}

Deno.test("pull() asks for pullProgress on 6.0+ unless told otherwise, never before", async () => {
  const cases: [string, PullOptions, Record<string, string | null>][] = [
    ["6.1.1", {}, { pullProgress: "true", compatMode: "false" }],
    ["6.0.0", { allTags: true }, { pullProgress: "true", compatMode: "false" }],
    ["6.1.1", { compatMode: false }, { pullProgress: "true", compatMode: "false" }],
    ["6.1.1", { pullProgress: false }, { pullProgress: null, compatMode: "true" }],
    ["6.1.1", { compatMode: true }, { pullProgress: null, compatMode: "true" }],
    ["5.8.6", {}, { pullProgress: null, compatMode: "true" }],
    ["5.8.6", { pullProgress: false }, { pullProgress: null, compatMode: "true" }],
    ["4.3.1", { allTags: true }, { pullProgress: null, compatMode: "false" }],
  ];
  for (const [apiVersion, options, expected] of cases) {
    await using fake = await fakePodman(apiVersion);
    const repository = options.allTags ? "localhost/x" : "localhost/x:1";
    await lastValueFrom(fake.client.images.pull(repository, options));
    const query = sentQuery(fake)!;
    const sent = { pullProgress: query.get("pullProgress"), compatMode: query.get("compatMode") };
    assert.deepEqual(sent, expected, `${apiVersion} ${JSON.stringify(options)}`);
  }
});

Deno.test("pull() with pullProgress: true errors before sending on 5.x and 4.x servers", async () => {
  for (const apiVersion of ["5.8.6", "4.3.1"]) {
    await using fake = await fakePodman(apiVersion);
    await assert.rejects(
      lastValueFrom(fake.client.images.pull("localhost/x:1", { pullProgress: true })),
      (error: unknown) =>
        error instanceof PodmanError &&
        error.message === `Cannot pull image "localhost/x:1": pullProgress needs Podman 6.0 ` +
            `or later; the server runs ${apiVersion}`,
    );
    assert.equal(sentQuery(fake), undefined, "nothing was sent");
  }
});

Deno.test("pull() with pullProgress and compatMode both true is a TypeError before sending", async () => {
  await using fake = await fakePodman("6.1.1");
  await assert.rejects(
    lastValueFrom(
      fake.client.images.pull("localhost/x:1", { pullProgress: true, compatMode: true }),
    ),
    { name: "TypeError", message: /pullProgress and compatMode cannot both be on/ },
  );
  assert.equal(sentQuery(fake), undefined, "nothing was sent");
});

// --- the lines Podman 6 sends ---------------------------------------------------------------

function readAll(values: unknown[]): { events: PullEvent[]; reader: PullStreamReader } {
  const reader = new PullStreamReader();
  const events: PullEvent[] = [];
  for (const value of values) reader.read(value, (event) => events.push(event));
  return { events, reader };
}

Deno.test("PullStreamReader maps Podman 6 pullProgress lines to layer events with bytes", () => {
  const { events, reader } = readAll(PODMAN6_LINES);
  assert.deepEqual(events, PODMAN6_EVENTS);
  assert.deepEqual(reader.end(), { kind: "ids", ids: [IMAGE_ID] });
});

Deno.test("PullStreamReader reads a skipped artifact as Already exists, without bytes", () => {
  const { events } = readAll([{
    status: "pulling",
    stream: "Artifact already exists",
    pullProgress: { status: "skipped", progressComponentID: LAYER },
  }]);
  assert.deepEqual(events, [{ type: "progress", id: LAYER, status: "Already exists" }]);
});

Deno.test("PullStreamReader keeps what it can of malformed pullProgress reports", () => {
  const report = (pullProgress: unknown) => ({ status: "pulling", stream: "x", pullProgress });
  const { events } = readAll([
    // No artifact named: its bytes would belong to no layer, so no event.
    report({ status: "pulling", current: 5, total: 10 }),
    report({ status: "pulling", current: 5, total: 10, progressComponentID: "" }),
    report({ current: 5, total: 10, progressComponentID: LAYER }),
    // Bytes that are no count are left out; -1 is Podman's "size unknown".
    report({ status: "pulling", current: "5", total: -1, progressComponentID: LAYER }),
    report({ status: "pulling", current: -3, total: Number.NaN, progressComponentID: LAYER }),
    // A status this reader does not know passes through as the server wrote it.
    report({ status: "verifying", current: 7, total: 10, progressComponentID: LAYER }),
    // Not an object: the line is an ordinary status line.
    report("50%"),
  ]);
  assert.deepEqual(events, [
    { type: "progress", id: LAYER, status: "Downloading" },
    { type: "progress", id: LAYER, status: "Downloading" },
    { type: "progress", id: LAYER, status: "verifying", current: 7, total: 10 },
    { type: "status", message: "x" },
  ]);
});

Deno.test("pull() reads Podman 6 lines cut anywhere across chunks as the same events", async () => {
  const bytes = new TextEncoder().encode(lines(PODMAN6_LINES));
  for (const size of [1, 7, 64, 333]) {
    // Every chunk boundary falls inside a line for some size: mid-key, mid-number, mid-digest.
    await using fake = await fakePodman("6.1.1", () =>
      new ReadableStream({
        start(controller) {
          for (let at = 0; at < bytes.length; at += size) {
            controller.enqueue(bytes.slice(at, at + size));
          }
          controller.close();
        },
      }));
    const events = await lastValueFrom(fake.client.images.pull("localhost/x:1").pipe(toArray()));
    assert.deepEqual(events.slice(0, -1), PODMAN6_EVENTS, `chunks of ${size} bytes`);
    assert.equal(events.at(-1)?.type, "pulled");
  }
});

Deno.test("pull() on Podman 6 keeps the events before a line cut off, then errors", async () => {
  const whole = lines(PODMAN6_LINES.slice(0, 5));
  // The body ends inside the second report's digest.
  await using fake = await fakePodman("6.1.1", () => whole.slice(0, whole.length - 20));
  const seen: PullEvent[] = [];
  const error = await new Promise<unknown>((resolve) =>
    fake.client.images.pull("localhost/x:1").subscribe({
      next: (event) => seen.push(event),
      error: resolve,
      complete: () => resolve(undefined),
    })
  );
  assert.deepEqual(seen, PODMAN6_EVENTS.slice(0, 4));
  assert.ok(error instanceof PodmanError, String(error));
  assert.match(
    error.message,
    /^Cannot pull image "localhost\/x:1": the server sent a line that is not JSON: \{"status"/,
  );
});
