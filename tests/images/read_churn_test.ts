// Reads under churn: Podman 4 answers 500 "image not known" when an image is removed while a
// list runs. list/get/exists/history retry that answer, and only that one, a bounded number
// of times. The real service shows the race; a fake server shows the bounds.
import assert from "node:assert/strict";
import { lastValueFrom, type Observable } from "rxjs";
import { APIError, ImageNotFound, type PodmanClient } from "../../mod.ts";
import { IMAGE_RACE_TRIES } from "../../src/images/operations/_retry_image_race.ts";
import { testBed } from "../bed/env.ts";
import { startFakePodman } from "../fake/fake_podman.ts";
import { importImage, podmanOk, uniqueName } from "./_fixtures.ts";

const bed = testBed();
const ID = "7a3c5b0e1d2f4a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d";
const RACE = { cause: "image not known", message: "image not known", response: 500 };

Deno.test("list() runs 200 times beside a loop that imports and removes images, without a failure", async () => {
  const { PodmanClient } = await import("../../mod.ts");
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const stop = new AbortController();
  let churned = 0;
  const churn = (async () => {
    // Bounded: it ends when the lists are done, or after 2,000 rounds at most.
    for (let round = 0; round < 2000 && !stop.signal.aborted; round++) {
      const name = `localhost/${uniqueName("churn")}:1`;
      await importImage(name);
      await podmanOk(["rmi", name]);
      churned++;
    }
  })();
  const failures: unknown[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      await lastValueFrom(podman.images.list()).catch((error: unknown) => failures.push(error));
    }
  } finally {
    stop.abort();
    await churn;
  }
  assert.deepEqual(failures.map(String), []);
  assert.ok(churned > 0, "images were removed while the lists ran");
});

/** A fake that answers each read with the next of `answers` (the last one repeats). */
async function fakeAnswering(answers: (() => Response)[]) {
  let calls = 0;
  const fake = await startFakePodman(() => answers[Math.min(calls++, answers.length - 1)]!());
  return { fake, calls: () => calls };
}

const race = () => Response.json(RACE, { status: 500 });
const reads: [string, (client: PodmanClient) => Observable<unknown>, () => Response][] = [
  ["list", (client) => client.images.list(), () => Response.json([{ Id: ID }])],
  ["get", (client) => client.images.get("x"), () => Response.json({ Id: ID })],
  ["exists", (client) => client.images.exists("x"), () => new Response(null, { status: 204 })],
  [
    "history",
    (client) => client.images.prepareModel({ Id: ID }).history(),
    () => Response.json([]),
  ],
];

Deno.test("list/get/exists/history retry a 500 image-not-known and then succeed", async () => {
  for (const [name, read, ok] of reads) {
    const { fake, calls } = await fakeAnswering([race, race, ok]);
    await using _ = fake;
    await lastValueFrom(read(fake.client));
    assert.equal(calls(), 3, name);
  }
});

Deno.test("list/get/exists/history give up after a bounded number of tries with the server's error", async () => {
  for (const [name, read] of reads) {
    const { fake, calls } = await fakeAnswering([race]);
    await using _ = fake;
    const error = await lastValueFrom(read(fake.client)).catch((error: unknown) => error);
    assert.ok(error instanceof APIError && error.status === 500, `${name}: ${error}`);
    assert.match(error.message, /image not known \(500\)$/);
    assert.equal(calls(), IMAGE_RACE_TRIES, name);
  }
});

Deno.test("reads retry no other error: another 500 and a 404 fail at once", async () => {
  for (const [name, read] of reads) {
    const { fake, calls } = await fakeAnswering([
      () => Response.json({ message: "layer store is locked" }, { status: 500 }),
    ]);
    await using _ = fake;
    const error = await lastValueFrom(read(fake.client)).catch((error: unknown) => error);
    assert.ok(error instanceof APIError && error.status === 500, `${name}: ${error}`);
    assert.equal(calls(), 1, name);
  }
  const { fake, calls } = await fakeAnswering([
    () => Response.json({ message: "image not known", response: 404 }, { status: 404 }),
  ]);
  await using _ = fake;
  await assert.rejects(lastValueFrom(fake.client.images.get("missing")), ImageNotFound);
  assert.equal(await lastValueFrom(fake.client.images.exists("missing")), false);
  assert.equal(calls(), 2, "one request each");
});
