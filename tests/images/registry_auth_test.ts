// Credentials against the bed's htpasswd registry, on the real service: search, pull and push
// with the right authConfig succeed on Podman 4.3 and 5, and with a wrong password fail with
// the server's message and no secret in it.
import assert from "node:assert/strict";
import { lastValueFrom, type Observable, toArray } from "rxjs";
import { APIError, PodmanClient } from "../../mod.ts";
import { encodeRegistryAuth } from "../../src/vocabulary/registry_auth.ts";
import { testBed } from "../bed/env.ts";
import { importImage, podmanOk, uniqueName } from "./_fixtures.ts";

const bed = testBed();
const credentials = { username: bed.authUser, password: bed.authPassword };

function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

/** Runs an operation to its end and returns its error, failing when it succeeds. */
async function failure(operation: Observable<unknown>): Promise<APIError> {
  const error = await lastValueFrom(operation.pipe(toArray())).then(
    () => assert.fail("the operation succeeded with a wrong password"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof APIError, String(error));
  return error;
}

/** True when nothing the error exposes contains any of the secrets. */
function assertNoSecret(error: Error, secrets: readonly string[]): void {
  const text = [error.message, String(error), error.stack, JSON.stringify(error)].join("\n") +
    String((error as { cause?: unknown }).cause);
  for (const secret of secrets) assert.ok(!text.includes(secret), `leaked in: ${text}`);
}

/** A fresh repository on the auth registry holding one image (tag `1`), pushed by the CLI. */
async function seeded(): Promise<string> {
  const repository = `${bed.authRegistry}/podrx/${uniqueName("auth")}`;
  await importImage(`${repository}:1`);
  await podmanOk([
    "push",
    "--tls-verify=false",
    `--creds=${bed.authUser}:${bed.authPassword}`,
    `${repository}:1`,
  ]);
  return repository;
}

Deno.test("search() with the right authConfig finds the image and its tags on the htpasswd registry", async () => {
  await using podman = connect();
  const repository = await seeded();

  const hits = await lastValueFrom(
    podman.images.search(repository, { tlsVerify: false, authConfig: credentials }),
  );
  const tags = await lastValueFrom(
    podman.images.search(repository, { tlsVerify: false, listTags: true, authConfig: credentials }),
  );

  assert.ok(hits.some((hit) => hit.name === repository), JSON.stringify(hits));
  assert.deepEqual(tags.map((hit) => hit.tag), ["1"]);
});

Deno.test("pull() and push() with the right authConfig round-trip an image through the htpasswd registry", async () => {
  await using podman = connect();
  const repository = `${bed.authRegistry}/podrx/${uniqueName("auth-rt")}`;
  const id = await importImage(`${repository}:1`);

  const pushed = await lastValueFrom(
    podman.images.push(repository, { tag: "1", tlsVerify: false, authConfig: credentials }),
  );
  await podmanOk(["rmi", `${repository}:1`]);
  const pulled = await lastValueFrom(
    podman.images.pull(repository, { tag: "1", tlsVerify: false, authConfig: credentials }),
  );

  assert.deepEqual(pushed.type, "pushed");
  assert.ok(pulled.type === "pulled", JSON.stringify(pulled));
  assert.equal(pulled.image.id, id);
});

Deno.test("search(), pull() and push() with a wrong password fail with the registry's message and no secret", async () => {
  await using podman = connect();
  const repository = await seeded();
  const wrong = { username: bed.authUser, password: `wrong-${crypto.randomUUID()}` };
  const secrets = [
    ...encodeRegistryAuth(wrong, repository).secrets,
    ...encodeRegistryAuth(wrong, `${repository}:1`).secrets,
    bed.authPassword,
  ];
  const options = { tlsVerify: false, authConfig: wrong };

  const errors = [
    await failure(podman.images.search(repository, { ...options, listTags: true })),
    await failure(podman.images.pull(repository, { ...options, tag: "1" })),
    await failure(podman.images.push(repository, { ...options, tag: "1" })),
  ];

  for (const error of errors) {
    // Podman words it "invalid username/password", "unauthorized" or "authentication required".
    assert.match(error.explanation, /unauthorized|authentication required|invalid username/i);
    assertNoSecret(error, secrets);
  }
});
