// Callers' mistakes: each is a TypeError or RangeError thrown before anything is sent, or a
// PodmanError through the error channel, never a crash, a hang or a request.
import assert from "node:assert/strict";
import { lastValueFrom, type Observable, toArray } from "rxjs";
import { PodmanError } from "../../mod.ts";
import { startFakePodman } from "../fake/fake_podman.ts";

const IMAGE = { Id: "f".repeat(64), RepoTags: ["localhost/x:1"] };

Deno.test("malformed arguments are rejected before any request is sent", async () => {
  await using fake = await startFakePodman(() => Response.json(IMAGE));
  const images = fake.client.images;
  const image = images.prepareModel(IMAGE);
  const cases: [string, () => unknown][] = [
    ["get(empty)", () => images.get("")],
    ["get(number)", () => images.get(42 as never)],
    ["exists(null)", () => images.exists(null as never)],
    ["pull(empty)", () => images.pull("")],
    ["pull(uppercase)", () => images.pull("Busybox")],
    ["pull(bad tag)", () => images.pull("busybox:bad tag")],
    ["pull(tag twice)", () => images.pull("busybox:1", { tag: "2" })],
    ["pull(bad digest)", () => images.pull("busybox@sha256:xyz")],
    ["pull(bad policy)", () => images.pull("busybox", { policy: "sometimes" as never })],
    ["pull(bad platform)", () => images.pull("busybox", { platform: "a/b/c/d" })],
    ["push(bad tag)", () => images.push("localhost/x", { tag: "no spaces" })],
    ["push(bad format)", () => images.push("localhost/x:1", { format: "zip" as never })],
    ["list(filters string)", () => images.list({ filters: "dangling" as never })],
    ["list(filter null)", () => images.list({ filters: { label: null as never } })],
    ["prune(filter object in list)", () => images.prune({ filters: { label: [{}] as never } })],
    ["search(empty)", () => images.search("")],
    ["search(limit 0)", () => images.search("x", { limit: 0 })],
    ["search(limit text)", () => images.search("x", { limit: "5" as never })],
    ["remove(empty)", () => images.remove("")],
    ["tag(tag with colon)", () => image.tag("localhost/y", "a:b")],
    ["tag(repository with tag)", () => image.tag("localhost/y:1", "2")],
    ["save(format)", () => image.save({ format: "zip" as never })],
    ["save(named not a tag)", () => image.save({ named: "localhost/other:1" })],
    ["timeout(-1)", () => images.list({ timeout: -1 })],
    ["timeout(text)", () => images.list({ timeout: "10" as never })],
    ["authConfig(text)", () => images.search("x", { authConfig: "user:pass" as never })],
    ["getRegistryData(empty)", () => images.getRegistryData("")],
  ];
  for (const [name, call] of cases) {
    assert.throws(
      call,
      (error: unknown) => error instanceof TypeError || error instanceof RangeError,
      name,
    );
  }
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
