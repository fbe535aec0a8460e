// Callers' mistakes: no operation throws when called. Each bad argument is a TypeError (wrong
// type, missing or conflicting value) or a RangeError (a value outside the allowed set or
// range), delivered as the Observable's error notification on subscribe (a twin's promise
// rejects), before anything is sent; never a crash, a hang or a request.
import assert from "node:assert/strict";
import { isObservable, lastValueFrom, type Observable, toArray } from "rxjs";
import { PodmanClient, PodmanError, type RegistryData } from "../../mod.ts";
import { startFakePodman } from "../fake/fake_podman.ts";
import { registryDataOf } from "../images/_registry_data.ts";
import { methodNames } from "../twins/_method_names.ts";

const IMAGE = { Id: "f".repeat(64), RepoTags: ["localhost/x:1"] };

type ErrorClass = typeof TypeError | typeof RangeError;

function registryData(client: PodmanClient, name = "localhost/x:1"): RegistryData {
  return registryDataOf(client, name, IMAGE.Id);
}

/** Every bad call, once as an Observable method and once as its await twin. */
function badCalls(client: PodmanClient): [string, ErrorClass, () => unknown, () => unknown][] {
  const images = client.images;
  const twins = images.promises;
  const image = images.prepareModel(IMAGE);
  const data = registryData(client, "localhost/x:1");
  const bytes = new Uint8Array(0);
  const cases: [string, ErrorClass, () => unknown, () => unknown][] = [
    ["get(empty)", TypeError, () => images.get(""), () => twins.get("")],
    ["get(number)", TypeError, () => images.get(42 as never), () => twins.get(42 as never)],
    [
      "get(symbol)",
      TypeError,
      () => images.get(Symbol() as never),
      () => twins.get(Symbol() as never),
    ],
    [
      "exists(null)",
      TypeError,
      () => images.exists(null as never),
      () => twins.exists(null as never),
    ],
    [
      "exists(options null)",
      TypeError,
      () => images.exists("a", null as never),
      () => twins.exists("a", null as never),
    ],
    ["pull(empty)", TypeError, () => images.pull(""), () => twins.pull("")],
    ["pull(UPPER/x)", RangeError, () => images.pull("UPPER/x"), () => twins.pull("UPPER/x")],
    [
      "pull(bad tag)",
      RangeError,
      () => images.pull("busybox:bad tag"),
      () => twins.pull("busybox:bad tag"),
    ],
    [
      "pull(tag twice)",
      TypeError,
      () => images.pull("busybox:1", { tag: "2" }),
      () => twins.pull("busybox:1", { tag: "2" }),
    ],
    [
      "pull(allTags with a tag)",
      TypeError,
      () => images.pull("x:1", { allTags: true }),
      () => twins.pull("x:1", { allTags: true }),
    ],
    [
      "pull(bad digest)",
      RangeError,
      () => images.pull("busybox@sha256:xyz"),
      () => twins.pull("busybox@sha256:xyz"),
    ],
    [
      "pull(policy sometimes)",
      RangeError,
      () => images.pull("busybox", { policy: "sometimes" as never }),
      () => twins.pull("busybox", { policy: "sometimes" as never }),
    ],
    [
      "pull(policy number)",
      TypeError,
      () => images.pull("busybox", { policy: 1 as never }),
      () => twins.pull("busybox", { policy: 1 as never }),
    ],
    [
      "pull(bad platform)",
      RangeError,
      () => images.pull("busybox", { platform: "a/b/c/d" }),
      () => twins.pull("busybox", { platform: "a/b/c/d" }),
    ],
    [
      "pull(options null)",
      TypeError,
      () => images.pull("busybox", null as never),
      () => twins.pull("busybox", null as never),
    ],
    [
      "push(bad tag)",
      RangeError,
      () => images.push("localhost/x", { tag: "no spaces" }),
      () => twins.push("localhost/x", { tag: "no spaces" }),
    ],
    [
      "push(format zip)",
      RangeError,
      () => images.push("localhost/x:1", { format: "zip" as never }),
      () => twins.push("localhost/x:1", { format: "zip" as never }),
    ],
    [
      "push(compressionLevel 1.5)",
      RangeError,
      () => images.push("localhost/x", { compressionLevel: 1.5 }),
      () => twins.push("localhost/x", { compressionLevel: 1.5 }),
    ],
    [
      "push(compressionLevel text)",
      TypeError,
      () => images.push("localhost/x", { compressionLevel: "1" as never }),
      () => twins.push("localhost/x", { compressionLevel: "1" as never }),
    ],
    [
      "push(tag twice)",
      TypeError,
      () => images.push("localhost/x:1", { tag: "2" }),
      () => twins.push("localhost/x:1", { tag: "2" }),
    ],
    [
      "list(filters string)",
      TypeError,
      () => images.list({ filters: "dangling" as never }),
      () => twins.list({ filters: "dangling" as never }),
    ],
    [
      "list(filter null)",
      TypeError,
      () => images.list({ filters: { label: null as never } }),
      () => twins.list({ filters: { label: null as never } }),
    ],
    [
      "list(timeout -1)",
      RangeError,
      () => images.list({ timeout: -1 }),
      () => twins.list({ timeout: -1 }),
    ],
    [
      "list(timeout text)",
      TypeError,
      () => images.list({ timeout: "10" as never }),
      () => twins.list({ timeout: "10" as never }),
    ],
    [
      "list(signal text)",
      TypeError,
      () => images.list({ signal: "stop" as never }),
      () => twins.list({ signal: "stop" as never }),
    ],
    [
      "prune(filter object in list)",
      TypeError,
      () => images.prune({ filters: { label: [{}] as never } }),
      () => twins.prune({ filters: { label: [{}] as never } }),
    ],
    [
      "pruneBuilds(timeout 0)",
      RangeError,
      () => images.pruneBuilds({ timeout: 0 }),
      () => twins.pruneBuilds({ timeout: 0 }),
    ],
    ["search(empty)", TypeError, () => images.search(""), () => twins.search("")],
    [
      "search(limit 0)",
      RangeError,
      () => images.search("x", { limit: 0 }),
      () => twins.search("x", { limit: 0 }),
    ],
    [
      "search(limit text)",
      TypeError,
      () => images.search("x", { limit: "5" as never }),
      () => twins.search("x", { limit: "5" as never }),
    ],
    [
      "search(authConfig text)",
      TypeError,
      () => images.search("x", { authConfig: "user:pass" as never }),
      () => twins.search("x", { authConfig: "user:pass" as never }),
    ],
    ["remove(empty)", TypeError, () => images.remove(""), () => twins.remove("")],
    [
      "getRegistryData(empty)",
      TypeError,
      () => images.getRegistryData(""),
      () => twins.getRegistryData(""),
    ],
    ["build({})", TypeError, () => images.build({}), () => twins.build({})],
    [
      "build(no options)",
      TypeError,
      () => images.build(undefined as never),
      () => twins.build(undefined as never),
    ],
    [
      "build(two sources)",
      TypeError,
      () => images.build({ path: ".", fileobj: "FROM x" }),
      () => twins.build({ path: ".", fileobj: "FROM x" }),
    ],
    [
      "build(encoding br)",
      RangeError,
      () => images.build({ path: ".", encoding: "br" as never }),
      () => twins.build({ path: ".", encoding: "br" as never }),
    ],
    [
      "build(policy sometimes)",
      RangeError,
      () => images.build({ path: ".", policy: "sometimes" as never }),
      () => twins.build({ path: ".", policy: "sometimes" as never }),
    ],
    [
      "build(bad tag)",
      RangeError,
      () => images.build({ path: ".", tag: "UPPER/x" }),
      () => twins.build({ path: ".", tag: "UPPER/x" }),
    ],
    ["load(empty bytes)", TypeError, () => images.load(bytes), () => twins.load(bytes)],
    [
      "load(no source)",
      TypeError,
      () => images.load(undefined as never),
      () => twins.load(undefined as never),
    ],
    [
      "load(https URL)",
      RangeError,
      () => images.load(new URL("https://example.com/a.tar")),
      () => twins.load(new URL("https://example.com/a.tar")),
    ],
    ["scp(empty)", TypeError, () => images.scp(""), () => twins.scp("")],
    [
      "tag(tag with colon)",
      RangeError,
      () => image.tag("localhost/y", "a:b"),
      () => image.promises.tag("localhost/y", "a:b"),
    ],
    [
      "tag(repository with tag)",
      TypeError,
      () => image.tag("localhost/y:1", "2"),
      () => image.promises.tag("localhost/y:1", "2"),
    ],
    [
      "untag(UPPER)",
      RangeError,
      () => image.untag("UPPER/x"),
      () => image.promises.untag("UPPER/x"),
    ],
    [
      "history(timeout NaN)",
      RangeError,
      () => image.history({ timeout: Number.NaN }),
      () => image.promises.history({ timeout: Number.NaN }),
    ],
    [
      "reload(options 7)",
      TypeError,
      () => image.reload(7 as never),
      () => image.promises.reload(7 as never),
    ],
    [
      "remove(image, options text)",
      TypeError,
      () => image.remove("x" as never),
      () => image.promises.remove("x" as never),
    ],
    [
      "save(format zip)",
      RangeError,
      () => image.save({ format: "zip" as never }),
      () => image.promises.save({ format: "zip" as never }),
    ],
    [
      "save(named not a tag)",
      RangeError,
      () => image.save({ named: "localhost/other:1" }),
      () => image.promises.save({ named: "localhost/other:1" }),
    ],
    [
      "saveToFile(empty)",
      TypeError,
      () => image.saveToFile(""),
      () => image.promises.saveToFile(""),
    ],
    [
      "saveToFile(http URL)",
      RangeError,
      () => image.saveToFile(new URL("http://x/y.tar")),
      () => image.promises.saveToFile(new URL("http://x/y.tar")),
    ],
    [
      "data.pull(tag twice)",
      TypeError,
      () => data.pull({ tag: "2" }),
      () => data.promises.pull({ tag: "2" }),
    ],
    [
      "ping(timeout -1)",
      RangeError,
      () => client.ping({ timeout: -1 }),
      () => client.promises.ping({ timeout: -1 }),
    ],
    [
      "version(options text)",
      TypeError,
      () => client.version("x" as never),
      () => client.promises.version("x" as never),
    ],
  ];
  return cases;
}

Deno.test("no operation throws when called: a bad argument is the error notification on subscribe, nothing sent", async () => {
  await using fake = await startFakePodman(() => Response.json(IMAGE));
  for (const [name, expected, call] of badCalls(fake.client)) {
    let operation: unknown;
    assert.doesNotThrow(() => (operation = call()), name);
    assert.ok(isObservable(operation), `${name}: not an Observable`);
    const error = await lastValueFrom(operation as Observable<unknown>).then(
      () => assert.fail(`${name}: completed`),
      (error: unknown) => error,
    );
    assert.ok(error instanceof expected, `${name}: ${String(error)}`);
    assert.equal((error as Error).constructor, expected, `${name}: ${String(error)}`);
  }
  assert.equal(fake.requests.length, 0);
});

Deno.test("every await twin rejects (never throws) with the same class, so Promise.allSettled settles", async () => {
  await using fake = await startFakePodman(() => Response.json(IMAGE));
  const cases = badCalls(fake.client);
  const promises = cases.map(([name, , , twin]) => {
    let promise: unknown;
    assert.doesNotThrow(() => (promise = twin()), name);
    assert.ok(promise instanceof Promise, `${name}: not a promise`);
    return promise;
  });
  const results = await Promise.allSettled(promises);
  results.forEach((result, index) => {
    const [name, expected] = cases[index]!;
    assert.equal(result.status, "rejected", name);
    const reason = (result as PromiseRejectedResult).reason;
    assert.equal(reason?.constructor, expected, `${name}: ${String(reason)}`);
  });
  // The issue's own example: a good call and a bad one, side by side.
  const pair = await Promise.allSettled([
    fake.client.images.promises.exists("a"),
    fake.client.images.promises.get(""),
  ]);
  assert.deepEqual(pair.map((result) => result.status), ["fulfilled", "rejected"]);
  assert.deepEqual(fake.requests.map((request) => request.path), [
    "/v4.3.1/libpod/images/a/exists",
  ]);
});

/**
 * The names of the methods that give an Observable, found by calling each on a throwaway
 * client's objects (so that `close()` and the like close nothing of the test's).
 */
async function observableMethods(owner: string): Promise<string[]> {
  const probe = new PodmanClient({ baseUrl: "unix:///nonexistent/podrx-probe.sock" });
  const targets: Record<string, object> = {
    images: probe.images,
    image: probe.images.prepareModel(IMAGE),
    data: registryData(probe),
    client: probe,
  };
  const target = targets[owner]!;
  const names = methodNames(target).filter((name) => {
    try {
      const result = (target as Record<string, () => unknown>)[name]!();
      if (result instanceof Promise) result.catch(() => {});
      return isObservable(result);
    } catch {
      return false;
    }
  });
  await probe.close();
  return names;
}

// Arguments no operation accepts in any position: whatever a method is added later, calling it
// with these must give an Observable (a promise for a twin) that fails, not a throw.
const GARBAGE: unknown[] = [Symbol("bad"), null, 42];

Deno.test("every Observable method and every twin, with garbage arguments, fails through the channel", async () => {
  await using fake = await startFakePodman(() => Response.json(IMAGE));
  const client = fake.client;
  const image = client.images.prepareModel(IMAGE);
  const data = registryData(client);
  const owners: [string, object, object][] = [
    ["images", client.images, client.images.promises],
    ["image", image, image.promises],
    ["data", data, data.promises],
    ["client", client, client.promises],
  ];
  let checked = 0;
  for (const [owner, target, twins] of owners) {
    for (const name of await observableMethods(owner)) {
      for (const garbage of GARBAGE) {
        const label = `${owner}.${name}(${String(garbage)})`;
        const args = [garbage, garbage, garbage, garbage];
        const method =
          (target as Record<string, (...args: unknown[]) => Observable<unknown>>)[name]!;
        let observable: Observable<unknown> | undefined;
        assert.doesNotThrow(() => (observable = method.apply(target, args)), label);
        const error = await lastValueFrom(observable!.pipe(toArray())).then(
          () => undefined,
          (error: unknown) => error,
        );
        assert.ok(error instanceof TypeError || error instanceof RangeError, `${label}: ${error}`);
        const twin = (twins as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
        assert.ok(twin, `${owner}.promises.${name} is missing`);
        let promise: Promise<unknown> | undefined;
        assert.doesNotThrow(() => (promise = twin.apply(twins, args)), `promises ${label}`);
        const reason = await promise!.then(() => undefined, (reason: unknown) => reason);
        assert.ok(
          reason instanceof TypeError || reason instanceof RangeError,
          `promises ${label}: ${reason}`,
        );
        checked++;
      }
    }
  }
  // 13 manager operations, 7 image, 1 registry data, 2 client: all three garbage values each.
  assert.equal(checked, (13 + 7 + 1 + 2) * GARBAGE.length);
  assert.equal(fake.requests.length, 0);
});

async function failure(operation: Observable<unknown>): Promise<unknown> {
  return await lastValueFrom(operation.pipe(toArray())).then(
    (values) => assert.fail(`completed with ${JSON.stringify(values).slice(0, 200)}`),
    (error: unknown) => error,
  );
}

Deno.test("bad build and load inputs fail with a PodmanError naming the path, sending nothing", async () => {
  await using fake = await startFakePodman(() => Response.json(IMAGE));
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/file.txt`, "not a directory");
    await Deno.mkdir(`${dir}/empty`);
    const cases: [string, Observable<unknown>, RegExp][] = [
      ["missing context", fake.client.images.build({ path: `${dir}/nope` }), /nope/],
      ["context is a file", fake.client.images.build({ path: `${dir}/file.txt` }), /file\.txt/],
      [
        "no Dockerfile",
        fake.client.images.build({ path: `${dir}/empty` }),
        /Containerfile|Dockerfile/,
      ],
      ["missing archive", fake.client.images.load(`${dir}/missing.tar`), /missing\.tar/],
      ["archive is a directory", fake.client.images.load(`${dir}/empty`), /empty/],
    ];
    for (const [name, operation, names] of cases) {
      const error = await failure(operation);
      assert.ok(error instanceof PodmanError, `${name}: ${error}`);
      assert.match(error.message, names, name);
    }
    assert.equal(fake.requests.length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
