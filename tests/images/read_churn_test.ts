// Reads under churn: Podman 4 answers a 500 "image not known" (or blames an image it found half
// gone) when an image is removed while a list runs. list/get/exists/history retry that
// answer, and only that one, a bounded number of times. The real service shows the race; a
// fake server shows the bounds.
import assert from "node:assert/strict";
import { lastValueFrom, type Observable } from "rxjs";
import { APIError, ImageNotFound, type OperationOptions, type PodmanClient } from "../../mod.ts";
import {
  IMAGE_RACE_BACKOFF_MS,
  IMAGE_RACE_TRIES,
} from "../../src/images/operations/_retry_image_race.ts";
import { delay } from "../../src/async/delay.ts";
import { testBed } from "../bed/env.ts";
import { startFakePodman } from "../fake/fake_podman.ts";
import { importImage, podmanOk, uniqueName } from "./_fixtures.ts";

const bed = testBed();
const ID = "7a3c5b0e1d2f4a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d";
const RACE = { cause: "image not known", message: "image not known", response: 500 };
// The same race when the removal took the image's layers first (Podman 4.3.1's words, seen by
// the churn test above, as were "size is not known" and a missing "manifest" item).
const LAYER_RACE = {
  cause: "layer not known",
  message: `retrieving label for image "${ID}": you may need to remove the image to resolve ` +
    "the error: fallback error checking whether image is a manifest list: layer not known: " +
    "layer not known",
  response: 500,
};

// The remover works in bursts: it starts no new round after CHURN_BURST_MS, then pauses for
// CHURN_PAUSE_MS. A remover that never pauses can starve a Podman 4.3 list outright on a loaded
// machine (every try's walk of the store meets a removal: seen in CI's rootless leg beside
// another leg, failing all 8 tries over 2 s), which no number of retries fixes; what the retry
// must do is carry a list across a burst, which (with its last round) is shorter than its ~2 s
// of backoff.
const CHURN_BURST_MS = 500;
const CHURN_PAUSE_MS = 1_000;

Deno.test("list() runs 200 times beside bursts of imports and removals, without a failure", async () => {
  const { PodmanClient } = await import("../../mod.ts");
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const stop = new AbortController();
  let churned = 0;
  const churn = (async () => {
    let burstStarted = performance.now();
    // Bounded: it ends when the lists are done, or after 2,000 rounds at most.
    for (let round = 0; round < 2000 && !stop.signal.aborted; round++) {
      const name = `localhost/${uniqueName("churn")}:1`;
      await importImage(name);
      await podmanOk(["rmi", name]);
      churned++;
      if (performance.now() - burstStarted >= CHURN_BURST_MS) {
        await delay(CHURN_PAUSE_MS, stop.signal).catch(() => {});
        burstStarted = performance.now();
      }
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

/**
 * Runs `cases` at once, each against fakes of its own: most of their time is podrx's backoff,
 * which one after another adds up to half a minute. Every case runs to its end (so no fake
 * outlives the test); the first failure, in the cases' order, fails the test.
 */
async function allCases(cases: (() => Promise<void>)[]): Promise<void> {
  const results = await Promise.allSettled(cases.map((run) => run()));
  for (const result of results) {
    if (result.status === "rejected") throw result.reason;
  }
}

const MANIFEST_ITEM_RACE = {
  cause: "file does not exist",
  message: `locating item named "manifest" for image with ID "${ID}" (consider removing the ` +
    "image to resolve the issue): file does not exist",
  response: 500,
};
// Not the race: Podman 4.3's words for a stored manifest list that lacks this platform.
const BROKEN_LIST = {
  message: `retrieving parent of image "${ID}": you may need to remove the image to resolve ` +
    'the error: choosing image instance: no image found in image index for architecture amd64, variant "", OS linux',
  response: 500,
};

const race = () => Response.json(RACE, { status: 500 });
const layerRace = () => Response.json(LAYER_RACE, { status: 500 });
const manifestItemRace = () => Response.json(MANIFEST_ITEM_RACE, { status: 500 });
const reads: [
  string,
  (client: PodmanClient, options?: OperationOptions) => Observable<unknown>,
  () => Response,
][] = [
  ["list", (client, options) => client.images.list(options), () => Response.json([{ Id: ID }])],
  ["get", (client, options) => client.images.get("x", options), () => Response.json({ Id: ID })],
  [
    "exists",
    (client, options) => client.images.exists("x", options),
    () => new Response(null, { status: 204 }),
  ],
  [
    "history",
    (client, options) => client.images.prepareModel({ Id: ID }).history(options),
    () => Response.json([]),
  ],
];

Deno.test("list/get/exists/history retry a 500 image- or layer-not-known and then succeed", async () => {
  for (const [name, read, ok] of reads) {
    const { fake, calls } = await fakeAnswering([race, layerRace, ok]);
    await using _ = fake;
    await lastValueFrom(read(fake.client));
    assert.equal(calls(), 3, name);
  }
});

Deno.test("list/get/exists/history give up after a bounded number of tries with the server's error", async () => {
  await allCases(
    reads.flatMap(([name, read]) =>
      [race, layerRace, manifestItemRace].map((answer) => async () => {
        const { fake, calls } = await fakeAnswering([answer]);
        await using _ = fake;
        const error = await lastValueFrom(read(fake.client)).catch((error: unknown) => error);
        assert.ok(error instanceof APIError && error.status === 500, `${name}: ${error}`);
        // The server's own words, without the broken-manifest-list hint its mention of a
        // manifest list could have drawn.
        assert.match(error.message, /(not known|file does not exist) \(500\)$/);
        assert.equal(calls(), IMAGE_RACE_TRIES, name);
      })
    ),
  );
});

Deno.test("reads retry no other error: other 500s and a 404 fail at once", async () => {
  const others: [string, () => Response][] = [
    ["locked", () => Response.json({ message: "layer store is locked" }, { status: 500 })],
    ["broken list", () => Response.json(BROKEN_LIST, { status: 500 })],
  ];
  for (const [name, read] of reads) {
    for (const [kind, answer] of others) {
      const { fake, calls } = await fakeAnswering([answer]);
      await using _ = fake;
      const error = await lastValueFrom(read(fake.client)).catch((error: unknown) => error);
      assert.ok(error instanceof APIError && error.status === 500, `${name}, ${kind}: ${error}`);
      // list() asks once more, for the manifest lists to name, when a list breaks it.
      const expected = name === "list" && kind === "broken list" ? 2 : 1;
      assert.equal(calls(), expected, `${name}, ${kind}`);
    }
  }
  const { fake, calls } = await fakeAnswering([
    () => Response.json({ message: "image not known", response: 404 }, { status: 404 }),
  ]);
  await using _ = fake;
  await assert.rejects(lastValueFrom(fake.client.images.get("missing")), ImageNotFound);
  assert.equal(await lastValueFrom(fake.client.images.exists("missing")), false);
  assert.equal(calls(), 2, "one request each");
});

Deno.test("a read's idle timeout does not count the backoff between tries", async () => {
  // Every try but the last meets the race, so the read waits 50, 100, 200, then 400 ms each. The
  // timeout is shorter than the last wait, which is podrx's own silence, not the server's;
  // it is long enough for a fake answer on a loaded machine (a 25 ms one was not, in CI).
  const timeout = IMAGE_RACE_BACKOFF_MS * 6;
  const answers = Array.from({ length: IMAGE_RACE_TRIES - 1 }, () => race);
  await allCases(reads.map(([name, read, ok]) => async () => {
    const { fake, calls } = await fakeAnswering([...answers, ok]);
    await using _ = fake;
    await lastValueFrom(read(fake.client, { timeout }));
    assert.equal(calls(), IMAGE_RACE_TRIES, name);
  }));
});
