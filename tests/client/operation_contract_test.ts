// The cold-Observable contract, on a fake server (a real one cannot be made slow on demand).
import assert from "node:assert/strict";
import { firstValueFrom, lastValueFrom } from "rxjs";
import { APIError, ImageNotFound, isPodmanError, TimeoutError } from "../../mod.ts";
import { silentBody, startFakePodman } from "../fake/fake_podman.ts";

const IMAGE = { Id: "a".repeat(64), RepoTags: ["localhost/x:1"] };

Deno.test("ImagesManager.get() sends nothing before subscribe and one request per subscription", async () => {
  await using fake = await startFakePodman(() => Response.json(IMAGE));
  const image$ = fake.client.images.get("localhost/x:1");
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(fake.requests.length, 0);
  const [first, second] = await Promise.all([firstValueFrom(image$), firstValueFrom(image$)]);
  assert.equal(fake.requests.length, 2);
  assert.equal(first.id, IMAGE.Id);
  assert.notEqual(first, second);
  assert.equal(fake.requests[0]!.path, "/v4.3.1/libpod/images/localhost%2Fx%3A1/json");
});

Deno.test("ImagesManager.list() aborts the in-flight request when unsubscribed", async () => {
  let markAborted!: () => void;
  const aborted = new Promise<void>((resolve) => (markAborted = resolve));
  let markArrived!: () => void;
  const arrived = new Promise<void>((resolve) => (markArrived = resolve));
  await using fake = await startFakePodman((request) => {
    markArrived();
    return new Promise<Response>((resolve) => {
      request.signal.addEventListener("abort", () => {
        markAborted();
        resolve(new Response(null, { status: 499 }));
      });
    });
  });
  const subscription = fake.client.images.list().subscribe({
    next: () => assert.fail("a list arrived from a server that never answers"),
    error: (error) => assert.fail(`unsubscribed operation errored: ${error}`),
  });
  await arrived;
  subscription.unsubscribe();
  await aborted;
  assert.equal(fake.requests.length, 1);
});

Deno.test("a streaming body is cancelled at once on unsubscribe, even while the server is silent", async () => {
  const silent = silentBody('{"stream":"Trying to pull...\\n"}\n');
  await using fake = await startFakePodman(() => new Response(silent.body));
  const first = await new Promise<unknown>((resolve, reject) => {
    const subscription = fake.client.images.pull("127.0.0.1:1/x", { tlsVerify: false }).subscribe({
      next: (event) => {
        subscription.unsubscribe();
        resolve(event);
      },
      error: reject,
    });
  });
  assert.deepEqual(first, { type: "status", message: "Trying to pull..." });
  await silent.cancelled;
  // The connection is free for the next request.
  fake.requests.length = 0;
  await assert.rejects(lastValueFrom(fake.client.images.list()));
  assert.equal(fake.requests.length, 1);
});

Deno.test("exists() reports a 500 as an APIError, not as false", async () => {
  await using fake = await startFakePodman(() =>
    Response.json({ cause: "disk on fire", message: "storage is broken", response: 500 }, {
      status: 500,
    })
  );
  const error = await lastValueFrom(fake.client.images.exists("x")).then(
    () => assert.fail("exists() resolved on a 500"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof APIError);
  assert.ok(!(error instanceof ImageNotFound));
  assert.equal(error.status, 500);
  assert.equal(error.explanation, "storage is broken");
  assert.equal(error.serverCause, "disk on fire");
  assert.equal(error.message, 'Cannot check whether image "x" exists: storage is broken (500)');
});

Deno.test("a plain-text or HTML error body becomes the APIError's explanation", async () => {
  await using fake = await startFakePodman(() =>
    new Response("<html><body><h1>502 Bad Gateway</h1></body></html>", {
      status: 502,
      headers: { "Content-Type": "text/html" },
    })
  );
  const error = await lastValueFrom(fake.client.images.list()).catch((error: unknown) => error);
  assert.ok(error instanceof APIError);
  assert.equal(error.status, 502);
  assert.match(error.message, /^Cannot list images: <html>.*502 Bad Gateway.* \(502\)$/);
});

Deno.test("the timeout option ends a silent operation with a TimeoutError and aborts it", async () => {
  const silent = silentBody();
  await using fake = await startFakePodman(() => new Response(silent.body));
  const started = performance.now();
  const error = await lastValueFrom(fake.client.images.pull("127.0.0.1:1/x", { timeout: 200 }))
    .catch((error: unknown) => error);
  assert.ok(error instanceof TimeoutError && isPodmanError(error));
  assert.equal(error.name, "TimeoutError");
  assert.equal(error.timeout, 200);
  assert.match(
    error.message,
    /^Cannot pull image "127\.0\.0\.1:1\/x:latest": no answer from Podman within 200 ms$/,
  );
  assert.ok(performance.now() - started < 5_000);
  await silent.cancelled;
});

Deno.test("a timeout that is not a positive number is a RangeError on subscribe, before anything is sent", async () => {
  await using fake = await startFakePodman(() => Response.json([]));
  const listing = fake.client.images.list({ timeout: -1 }); // calling does not throw
  await assert.rejects(lastValueFrom(listing), RangeError);
  await assert.rejects(lastValueFrom(fake.client.images.list({ timeout: Number.NaN })), RangeError);
  await assert.rejects(
    lastValueFrom(fake.client.images.list({ timeout: "9" as never })),
    TypeError,
  );
  assert.equal(fake.requests.length, 0);
});
