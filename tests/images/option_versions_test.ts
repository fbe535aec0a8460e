// Every version-bound option of push, pull, remove and build against a fake service that
// claims the versions around the option's first one: one version below, the option is a
// PodmanError naming it and that version, and the fake sees no request at all; at that
// version, the request goes out with the parameter under the name Podman's handler reads.
// (The real servers of the bed show one side each; this shows both for every option.)
import assert from "node:assert/strict";
import { lastValueFrom, type Observable } from "rxjs";
import { type PodmanClient, PodmanError } from "../../mod.ts";
import { startFakePodman } from "../fake/fake_podman.ts";

interface Case {
  /** The option, as the error names it. */
  option: string;
  /** The first Podman version that reads it, `major.minor`. */
  since: string;
  /** The operation with the option, on a client. */
  run: (podman: PodmanClient) => Observable<unknown>;
  /** The parameter the request must carry, and its value. */
  param: [string, string];
  /** What the error names the operation. */
  action: string;
}

const NAME = "localhost/podrx/app:1";
const PUSH = `Cannot push image "${NAME}"`;
const PULL = `Cannot pull image "${NAME}"`;
const REMOVE = `Cannot remove image "${NAME}"`;
const BUILD = "Cannot build image";
const FROM = "FROM localhost/podrx/base:1\n";
const here = new URL(".", import.meta.url).pathname;

function push(options: Record<string, unknown>) {
  return (podman: PodmanClient) => podman.images.push(NAME, options);
}
function pull(options: Record<string, unknown>) {
  return (podman: PodmanClient) => podman.images.pull(NAME, options);
}
function remove(options: Record<string, unknown>) {
  return (podman: PodmanClient) => podman.images.remove(NAME, options);
}
function build(options: Record<string, unknown>) {
  return (podman: PodmanClient) => podman.images.build({ fileobj: FROM, ...options });
}

const CASES: readonly Case[] = [
  ["removeSignatures", "4.2", push({ removeSignatures: true }), ["removeSignatures", "true"], PUSH],
  [
    "compressionFormat",
    "4.3",
    push({ compressionFormat: "zstd" }),
    ["compressionFormat", "zstd"],
    PUSH,
  ],
  ["compressionLevel", "4.6", push({ compressionLevel: 3 }), ["compressionLevel", "3"], PUSH],
  [
    "forceCompressionFormat",
    "4.7",
    push({ forceCompressionFormat: false }),
    ["forceCompressionFormat", "false"],
    PUSH,
  ],
  ["retry", "5.0", push({ retry: 2 }), ["retry", "2"], PUSH],
  ["retryDelay", "5.0", push({ retryDelay: 1500 }), ["retryDelay", "1500ms"], PUSH],
  ["retry", "5.0", pull({ retry: 2 }), ["retry", "2"], PULL],
  ["retryDelay", "5.0", pull({ retryDelay: 1500 }), ["retrydelay", "1500ms"], PULL],
  ["lookupManifest", "4.2", remove({ lookupManifest: true }), ["lookupManifest", "true"], REMOVE],
  ["ignore", "5.4", remove({ ignore: true }), ["ignore", "true"], REMOVE],
  ["env", "4.1", build({ env: { A: "1" } }), ["setenv", "A=1"], BUILD],
  ["omitHistory", "4.2", build({ omitHistory: true }), ["omithistory", "true"], BUILD],
  ["unsetLabels", "4.8", build({ unsetLabels: ["l"] }), ["unsetlabel", "l"], BUILD],
  ["retry", "5.3", build({ retry: 2 }), ["retry", "2"], BUILD],
  ["retryDelay", "5.3", build({ retryDelay: 1500 }), ["retry-delay", "1500ms"], BUILD],
  ["inheritLabels", "5.5", build({ inheritLabels: false }), ["inheritlabels", "false"], BUILD],
  ["sourceDateEpoch", "5.6", build({ sourceDateEpoch: 10 }), ["sourcedateepoch", "10"], BUILD],
  [
    "rewriteTimestamp",
    "5.6",
    build({ rewriteTimestamp: true }),
    ["rewritetimestamp", "true"],
    BUILD,
  ],
  [
    "inheritAnnotations",
    "5.6",
    build({ inheritAnnotations: false }),
    ["inheritannotations", "false"],
    BUILD,
  ],
  [
    "createdAnnotation",
    "5.6",
    build({ createdAnnotation: false }),
    ["createdannotation", "false"],
    BUILD,
  ],
  ["unsetAnnotations", "5.6", build({ unsetAnnotations: ["a"] }), ["unsetannotation", "a"], BUILD],
  [
    "additionalBuildContexts",
    "4.2",
    build({ additionalBuildContexts: { src: "docker-image://localhost/podrx/src:1" } }),
    [
      "additionalbuildcontexts",
      '{"src":{"IsURL":false,"IsImage":true,"Value":"localhost/podrx/src:1"}}',
    ],
    BUILD,
  ],
].map(([option, since, run, param, action]) =>
  ({ option, since, run, param, action }) as unknown as Case
);

/** The last patch release of the minor version before `major.minor`. */
function justBefore(since: string): string {
  const [major, minor] = since.split(".").map(Number) as [number, number];
  return minor > 0 ? `${major}.${minor - 1}.9` : `${major - 1}.9.9`;
}

/** The fake answers every request with a 500: only what was sent matters here. */
function refuse(): Response {
  return Response.json({ cause: "fake", message: "fake", response: 500 }, { status: 500 });
}

for (const { option, since, run, param, action } of CASES) {
  Deno.test(`${action.split(" ")[1]}() with ${option}: refused before ${since}, sent as ${param[0]} from it`, async () => {
    const old = justBefore(since);
    {
      await using fake = await startFakePodman(refuse, { apiVersion: old });
      await assert.rejects(lastValueFrom(run(fake.client)), (error: unknown) => {
        assert.ok(error instanceof PodmanError, String(error));
        assert.equal(
          error.message,
          `${action}: ${option} needs Podman ${since} or later; the server runs ${old}`,
        );
        return true;
      });
      assert.deepEqual(fake.requests, []);
    }
    {
      await using fake = await startFakePodman(refuse, { apiVersion: `${since}.0` });
      await lastValueFrom(run(fake.client)).catch(() => {});
      assert.equal(fake.requests.length, 1, JSON.stringify(fake.requests.map((r) => r.path)));
      const query = new URL(fake.requests[0]!.path, "http://d").searchParams;
      assert.deepEqual(query.getAll(param[0]), [param[1]], fake.requests[0]!.path);
    }
  });
}

Deno.test("push() with allTags and an option the server is too old for lists no tags", async () => {
  await using fake = await startFakePodman(refuse, { apiVersion: "4.9.9" });
  await assert.rejects(
    lastValueFrom(fake.client.images.push("localhost/podrx/app", { allTags: true, retry: 1 })),
    (error: unknown) =>
      error instanceof PodmanError &&
      error.message ===
        'Cannot push image "localhost/podrx/app": retry needs Podman 5.0 or later; the server runs 4.9.9',
  );
  assert.deepEqual(fake.requests, []);
});

Deno.test("build() with a local directory in additionalBuildContexts: refused before 5.6, a multipart upload from it", async () => {
  const options = { fileobj: FROM, additionalBuildContexts: { dir: here } };
  {
    await using fake = await startFakePodman(refuse, { apiVersion: "5.5.9" });
    await assert.rejects(
      lastValueFrom(fake.client.images.build(options)),
      (error: unknown) =>
        error instanceof PodmanError &&
        error.message ===
          `${BUILD}: additionalBuildContexts "dir" is a local directory, which needs Podman 5.6 ` +
            "or later (it is uploaded with the context); the server runs 5.5.9",
    );
    assert.deepEqual(fake.requests, []);
  }
  {
    let parts: string[] = [];
    await using fake = await startFakePodman(async (request) => {
      const form = await request.formData();
      parts = [...form.keys()];
      return refuse();
    }, { apiVersion: "5.6.0" });
    await lastValueFrom(fake.client.images.build(options)).catch(() => {});
    assert.equal(fake.requests.length, 1);
    assert.match(
      fake.requests[0]!.headers.get("content-type") ?? "",
      /^multipart\/form-data; boundary=/,
    );
    assert.deepEqual(parts, ["MainContext", "build-context-dir"]);
    // The local directory is in the body, not in the query.
    assert.equal(
      new URL(fake.requests[0]!.path, "http://d").searchParams.has("additionalbuildcontexts"),
      false,
    );
  }
});
