// deno-lint-ignore-file no-console -- the tests say which runtime they run on
/**
 * podrx from a Node or Bun user's project: the npm build, installed from its packed tarball,
 * imported by its name, against a real Podman service and registry (tests/npm/with_bed.ts).
 * The same file runs on every runtime:
 *
 * ```sh
 * node --test images.spec.mjs
 * bun test ./images.spec.mjs
 * ```
 *
 * @module
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConnectionError,
  ImageNotFound,
  isPodmanError,
  PodmanClient,
  PodmanError,
} from "@podrx/podrx";
import { filter, lastValueFrom } from "rxjs";
import { bed, runtime, TEST_TIMEOUT_MS, uniqueName } from "./_bed.mjs";

const options = { timeout: TEST_TIMEOUT_MS };

/** A Containerfile whose build prints `first`, waits `seconds`, then prints `second`. */
function slowContainerfile(first, seconds, second = "podrx-second") {
  return `FROM ${bed.busybox}\nRUN echo ${first} && sleep ${seconds} && echo ${second}\n`;
}

/** Whether an event is the log line `text` (the step line that runs `echo text` is not). */
function isLine(event, text) {
  return event.type === "log" && event.line.trim() === text;
}

test("the package loads by its name, with its classes", () => {
  assert.equal(typeof PodmanClient, "function");
  const notFound = new ImageNotFound("Cannot get image", {
    status: 404,
    method: "GET",
    path: "/images/x/json",
    explanation: "no such image",
  });
  assert.ok(notFound instanceof PodmanError);
  assert.equal(notFound.message, "Cannot get image: no such image (404)");
  assert.equal(isPodmanError(new ConnectionError("x", { reason: "refused" })), true);
});

describe(`podrx on ${runtime}`, () => {
  /** @type {PodmanClient | undefined} */
  let client;
  let built;
  const name = uniqueName("live");

  // Made by the first test that uses it, not in a hook: a client that cannot be made fails
  // each test with its error, where a failed hook would only cancel them.
  const podman = {
    get images() {
      client ??= new PodmanClient({ baseUrl: bed.baseUrl });
      return client.images;
    },
  };

  before(() => {
    console.log(`podrx on ${runtime}: Podman at ${bed.baseUrl}, registry ${bed.registry}`);
  });
  after(async () => {
    await client?.close();
  });

  test("images.promises.list() lists the bed's images", options, async () => {
    const images = await podman.images.promises.list();
    assert.ok(
      images.some((image) => image.tags.includes(bed.busybox)),
      `${bed.busybox} not among ${images.flatMap((image) => image.tags).join(", ")}`,
    );
  });

  test("build: log lines arrive live, before the build completes", options, async () => {
    const started = performance.now();
    const seen = [];
    // No cache: the runtimes before this one built the same Containerfile on this bed.
    await podman.images
      .build({ fileobj: slowContainerfile("podrx-first", 2), tag: name, nocache: true })
      .forEach((event) => seen.push({ event, at: performance.now() - started }));
    const first = seen.find(({ event }) => isLine(event, "podrx-first"));
    const last = seen.at(-1);
    assert.ok(first, `no "podrx-first" line among ${seen.length} events`);
    assert.ok(seen.some(({ event }) => isLine(event, "podrx-second")));
    assert.equal(last.event.type, "built");
    // The build sleeps 2 s between the lines: a first line that came with the end was held.
    assert.ok(
      last.at - first.at >= 1_000,
      `the first line came ${Math.round(last.at - first.at)} ms before the end: not live`,
    );
    built = last.event.image;
    assert.ok(built.tags.includes(name), `${name} not among ${built.tags.join(", ")}`);
  });

  test("build from a context directory, with the await twin", options, async () => {
    const dir = await mkdtemp(join(tmpdir(), "podrx-npm-"));
    try {
      await writeFile(join(dir, "hello.txt"), `hello from ${runtime}\n`);
      await writeFile(
        join(dir, "Containerfile"),
        `FROM ${bed.busybox}\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n`,
      );
      const lines = [];
      const { image, log } = await podman.images.promises.build({
        path: dir,
        tag: uniqueName("context"),
        onProgress: (event) => event.type === "log" && lines.push(event.line),
      });
      assert.ok(log.some((line) => line.trim() === `hello from ${runtime}`), log.join(""));
      assert.deepEqual(lines, log);
      assert.match(image.id, /^[0-9a-f]{64}$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("push to the registry, remove, pull it back", options, async () => {
    assert.ok(built, "needs the image of the live build test");
    const pushed = await lastValueFrom(
      podman.images.push(name, { tlsVerify: false }).pipe(
        filter((event) => event.type === "pushed"),
      ),
    );
    assert.equal(pushed.type, "pushed");
    await podman.images.promises.remove(name);
    assert.equal(await podman.images.promises.exists(name), false);
    const pulled = await podman.images.promises.pull(name, { tlsVerify: false });
    assert.equal(pulled.id, built.id);
  });

  test("unsubscribing mid-build ends it at once, and the client goes on", options, async () => {
    const started = performance.now();
    const events = [];
    await new Promise((resolve, reject) => {
      const subscription = podman.images
        .build({ fileobj: slowContainerfile("podrx-started", 30), nocache: true })
        .subscribe({
          next(event) {
            events.push(event);
            if (isLine(event, "podrx-started")) {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
          complete: () => reject(new Error("the build completed though unsubscribed")),
        });
    });
    const count = events.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(events.length, count, "events after unsubscribe");
    assert.ok(performance.now() - started < 25_000, "waited for the build's sleep");
    assert.ok((await podman.images.promises.list()).length > 0);
  });

  test("an aborted signal rejects the await twin with its reason", options, async () => {
    const controller = new AbortController();
    const reason = new Error("enough");
    const building = podman.images.promises.build({
      fileobj: slowContainerfile("podrx-abort-me", 30),
      nocache: true,
      signal: controller.signal,
      onProgress: (event) => isLine(event, "podrx-abort-me") && controller.abort(reason),
    });
    await assert.rejects(building, (error) => error === reason);
  });

  test("close() ends a running build with a ConnectionError", options, async () => {
    const other = new PodmanClient({ baseUrl: bed.baseUrl });
    const building = lastValueFrom(
      other.images.build({ fileobj: slowContainerfile("podrx-close-me", 30), nocache: true })
        .pipe(filter((event) => {
          if (isLine(event, "podrx-close-me")) void other.close();
          return event.type === "built";
        })),
    );
    await assert.rejects(building, (error) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.equal(error.reason, "closed");
      assert.match(error.message, /the client was closed$/);
      return true;
    });
    await assert.rejects(other.images.promises.list(), ConnectionError);
  });

  test("errors: ImageNotFound, and a TypeError for a bad argument", options, async () => {
    await assert.rejects(podman.images.promises.get("localhost/podrx-npm/none:1"), (error) => {
      assert.ok(error instanceof ImageNotFound, String(error));
      assert.equal(isPodmanError(error), true);
      assert.equal(error.status, 404);
      return true;
    });
    await assert.rejects(podman.images.promises.get(""), TypeError);
  });
});
