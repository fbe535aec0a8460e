// The `signal` option of every operation (one option for the Observable and its await twin):
// aborting it ends the operation as unsubscribing does, the error is the signal's reason, and
// no listener stays on the caller's signal once the operation ended.
import assert from "node:assert/strict";
import { lastValueFrom, type Observable, toArray } from "rxjs";
import { silentBody, startFakePodman } from "../fake/fake_podman.ts";

const IMAGE = { Id: "e".repeat(64), RepoTags: ["localhost/x:1"] };

/** A signal whose listeners are counted: `listeners()` is how many are on it now. */
function countedSignal(): { controller: AbortController; listeners: () => number } {
  const controller = new AbortController();
  const { signal } = controller;
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    count++;
    add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    count--;
    remove(...args);
  }) as typeof remove;
  return { controller, listeners: () => count };
}

Deno.test("an already aborted signal errors on subscribe with its reason, sends nothing, adds no listener", async () => {
  await using fake = await startFakePodman(() => Response.json(IMAGE));
  const { controller, listeners } = countedSignal();
  const reason = new Error("stopped before");
  controller.abort(reason);
  const images = fake.client.images;
  for (
    const operation of <Observable<unknown>[]> [
      images.get("x", { signal: controller.signal }),
      images.pull("localhost/x", { signal: controller.signal }),
      images.build({ fileobj: "FROM scratch", signal: controller.signal }),
      fake.client.ping({ signal: controller.signal }),
    ]
  ) {
    await assert.rejects(lastValueFrom(operation), (error) => error === reason);
  }
  await assert.rejects(images.promises.list({ signal: controller.signal }), (e) => e === reason);
  assert.equal(fake.requests.length, 0);
  assert.equal(listeners(), 0);
});

Deno.test("aborting the signal mid-stream aborts the request, errors with the reason, leaves no listener", async () => {
  const silent = silentBody('{"stream":"Trying to pull localhost/x:latest...\\n"}\n');
  await using fake = await startFakePodman(() => new Response(silent.body));
  const { controller, listeners } = countedSignal();
  const reason = new Error("stopped during");
  const events: unknown[] = [];
  const pulling = new Promise<unknown>((resolve) => {
    fake.client.images.pull("localhost/x", { signal: controller.signal }).subscribe({
      next: (event) => {
        events.push(event);
        controller.abort(reason);
      },
      error: resolve,
      complete: () => resolve("completed"),
    });
  });
  assert.equal(await pulling, reason);
  assert.equal(events.length, 1);
  await silent.cancelled; // the server saw the request go away
  assert.equal(listeners(), 0);
});

Deno.test("the await twin takes the same signal: it rejects with the reason, leaves no listener", async () => {
  const silent = silentBody();
  await using fake = await startFakePodman(() => new Response(silent.body));
  const { controller, listeners } = countedSignal();
  const waiting = fake.client.images.promises.pull("localhost/x", { signal: controller.signal });
  // Abort once the request reached the server.
  for (let i = 0; i < 500 && fake.requests.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(fake.requests.length, 1);
  const reason = new DOMException("enough", "AbortError");
  controller.abort(reason);
  await assert.rejects(waiting, (error) => error === reason);
  await silent.cancelled;
  assert.equal(listeners(), 0);
});

Deno.test("an operation that completes, or fails by itself, removes its listener", async () => {
  await using fake = await startFakePodman((_request, url) => {
    if (url.pathname.endsWith("/images/json")) return Response.json([IMAGE]);
    if (url.pathname.endsWith("/json")) return Response.json(IMAGE);
    return Response.json({ message: "image not known" }, { status: 404 });
  });
  const { controller, listeners } = countedSignal();
  const { signal } = controller;
  const image = await lastValueFrom(fake.client.images.get("x", { signal }));
  assert.equal(image.id, IMAGE.Id);
  assert.equal(await fake.client.images.promises.exists("y", { signal }), false);
  await assert.rejects(fake.client.images.promises.remove("y", { signal }));
  const listed = await lastValueFrom(fake.client.images.list({ signal }).pipe(toArray()));
  assert.equal(listed[0]?.[0]?.id, IMAGE.Id);
  assert.equal(listeners(), 0);
  // Aborting after the end reaches nothing.
  controller.abort(new Error("late"));
  assert.equal(listeners(), 0);
  assert.equal(fake.requests.length, 4);
});

Deno.test("an argument refused while the request is built errors as it is, sends nothing, leaves no listener", async () => {
  await using fake = await startFakePodman(() => Response.json(IMAGE));
  const { controller, listeners } = countedSignal();
  const images = fake.client.images;
  // get and exists build their request on subscribe (no defer around them): the name check
  // throws there, with a timeout and a caller's signal both set up before it.
  for (
    const operation of <Observable<unknown>[]> [
      images.get("", { signal: controller.signal, timeout: 50 }),
      images.exists("", { signal: controller.signal, timeout: 50 }),
    ]
  ) {
    await assert.rejects(lastValueFrom(operation), (error) => {
      assert.ok(error instanceof TypeError, `a TypeError as thrown, got ${error}`);
      assert.match((error as Error).message, /image ""/);
      return true;
    });
  }
  assert.equal(fake.requests.length, 0);
  assert.equal(listeners(), 0);
  // The 50 ms timeouts were cleared: had one stayed, Deno's leak check would fail this test.
});
