// PodmanClient.close() while operations run: every one ends at once with the client-closed
// error, against the real service (a build in a RUN step) and a fake one (a silent stream,
// an upload that never ends, a request waiting for a connection).
import assert from "node:assert/strict";
import type { Observable, Subscription } from "rxjs";
import { ConnectionError, PodmanClient } from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { startCountingProxy } from "../fake/counting_proxy.ts";
import { silentBody, startFakePodman } from "../fake/fake_podman.ts";

const bed = testBed();

/** How each subscriber's run ended: the values it saw, and its error or completion. */
interface Outcome {
  values: unknown[];
  ended: Promise<{ error: unknown } | "completed">;
}

// Every subscription of a test, ended in its `finally`: when close() fails to end them, the
// test must fail, not hang on a server that waits for them.
const running = new Set<Subscription>();

function watch(source: Observable<unknown>): Outcome {
  const values: unknown[] = [];
  const ended = new Promise<{ error: unknown } | "completed">((resolve) => {
    running.add(source.subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => resolve({ error }),
      complete: () => resolve("completed"),
    }));
  });
  return { values, ended };
}

function unsubscribeAll(): void {
  for (const subscription of running) subscription.unsubscribe();
  running.clear();
}

/** Resolves once `check` holds; fails after `ms` (a bound, not a timing claim). */
async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The outcome's end, or a failure when it has not ended within the bound. */
async function endOf(outcome: Outcome, what: string): Promise<{ error: unknown } | "completed"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still runs after close()`)), 30_000);
  });
  try {
    return await Promise.race([outcome.ended, bound]);
  } finally {
    clearTimeout(timer);
  }
}

function assertClosedError(end: { error: unknown } | "completed", action: RegExp): void {
  assert.notEqual(end, "completed", "the operation completed instead of failing");
  const { error } = end as { error: unknown };
  // The one closed-client error: a ConnectionError with reason "closed", never wrapped (not a
  // BuildError, not an AbortError).
  assert.ok(error instanceof ConnectionError, `not a ConnectionError: ${error}`);
  assert.equal(error.constructor, ConnectionError, `a ${error.name}, not a ConnectionError`);
  assert.equal(error.reason, "closed");
  assert.match(error.message, action);
  assert.match(error.message, /: the client was closed$/);
}

Deno.test("close() ends running builds and a queued request at once, and the service sees the connections closed", async () => {
  await using proxy = await startCountingProxy(bed.socketPath);
  const podman = new PodmanClient({ baseUrl: `unix://${proxy.socketPath}`, maxConnections: 2 });
  try {
    const marker = crypto.randomUUID().slice(0, 8);
    // Each RUN step would sleep for two minutes: far beyond the bound of endOf().
    const builds = [1, 2].map((n) =>
      watch(podman.images.build({
        fileobj: `FROM ${bed.busyboxImage}\nRUN echo started-${marker}-${n} && sleep 120\n`,
        tag: `localhost/podrx-close-${marker}:${n}`,
        nocache: true,
      }))
    );
    const started = (n: number): boolean =>
      builds[n - 1]!.values.some((event) =>
        (event as { line?: string }).line?.includes(`started-${marker}-${n}`)
      );
    await until(() => started(1) && started(2), "both builds reached their RUN step", 120_000);
    // Both places are taken: this one waits in the queue.
    const queued = watch(podman.images.list());
    const twin = podman.images.promises.exists(bed.busyboxImage).then(
      () => "resolved",
      (error: unknown) => ({ error }),
    );

    await podman.close();

    for (const [n, build] of builds.entries()) {
      assertClosedError(
        await endOf(build, `build ${n + 1}`),
        new RegExp(`^Cannot build image "localhost/podrx-close-${marker}:${n + 1}"`),
      );
      assert.ok(!build.values.some((event) => (event as { type: string }).type === "built"));
    }
    assertClosedError(await endOf(queued, "the queued list"), /^Cannot list images/);
    const twinEnd = await twin;
    assert.notEqual(twinEnd, "resolved");
    assertClosedError(twinEnd as { error: unknown }, /^Cannot /);
    // The service's side of both connections is closed, not left to a timeout.
    await until(() => proxy.open === 0, "the proxy saw both connections closed");
  } finally {
    unsubscribeAll();
    await podman.close();
  }
});

/**
 * A fake service that answers requests to `silentPath` with `silent` (headers, then nothing)
 * and reads a load's upload until the client goes away; `uploadEnded` resolves then.
 */
async function startSilentService(silentPath: string, silent: ReadableStream<Uint8Array>) {
  let uploadAborted!: () => void;
  const uploadEnded = new Promise<void>((resolve) => (uploadAborted = resolve));
  const fake = await startFakePodman(async (request, url) => {
    if (url.pathname.endsWith(silentPath)) return new Response(silent);
    if (url.pathname.endsWith("/images/load")) {
      // Reads the upload until the client goes away.
      try {
        for await (const _ of request.body!) { /* keep reading */ }
      } catch {
        // The client aborted the upload.
      }
      uploadAborted();
      return new Response("{}");
    }
    return new Response("[]");
  });
  return { fake, uploadEnded };
}

/** An upload that never ends. */
function endlessUpload(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull: (controller) => controller.enqueue(new Uint8Array(512)),
  });
}

Deno.test("close() ends a silent stream, an endless upload and a queued request; the server sees each end", async () => {
  const pull = silentBody('{"status":"Trying to pull"}\n');
  const { fake: started, uploadEnded } = await startSilentService("/images/pull", pull.body);
  await using fake = started;
  const podman = new PodmanClient({ baseUrl: `unix://${fake.socketPath}`, maxConnections: 2 });
  try {
    const pulling = watch(podman.images.pull("127.0.0.1:1/silent:1"));
    const loading = watch(podman.images.load(endlessUpload()));
    await until(() => fake.requests.length === 2, "both requests reached the server");
    const queued = podman.images.promises.list().then(() => "resolved", (error) => ({ error }));

    await podman.close();

    assertClosedError(await endOf(pulling, "the pull"), /^Cannot pull image/);
    assertClosedError(await endOf(loading, "the load"), /^Cannot load/);
    const queuedEnd = await queued;
    assert.notEqual(queuedEnd, "resolved");
    assertClosedError(queuedEnd as { error: unknown }, /^Cannot list images/);
    // The server saw the silent stream cancelled and the upload cut off.
    await pull.cancelled;
    await uploadEnded;
    assert.equal(fake.requests.length, 2, "the queued request was never sent");
  } finally {
    unsubscribeAll();
    await podman.close();
  }
});

Deno.test("close() ends a whole read the server leaves silent, beside an endless upload", async () => {
  // The answer's headers arrive, its body never does: list() waits inside the body's read.
  const listing = silentBody("[");
  const { fake: started, uploadEnded } = await startSilentService("/images/json", listing.body);
  await using fake = started;
  const podman = new PodmanClient({ baseUrl: `unix://${fake.socketPath}` });
  try {
    const loading = watch(podman.images.load(endlessUpload()));
    const listed = podman.images.promises.list().then(() => "resolved", (error) => ({ error }));
    await until(() => fake.requests.length === 2, "both requests reached the server");

    await podman.close();

    const listEnd = await listed;
    assert.notEqual(listEnd, "resolved");
    assertClosedError(listEnd as { error: unknown }, /^Cannot list images/);
    assertClosedError(await endOf(loading, "the load"), /^Cannot load/);
    // The server saw the silent answer cancelled: the connection was closed, not left open.
    await listing.cancelled;
    await uploadEnded;
  } finally {
    unsubscribeAll();
    await podman.close();
  }
});

Deno.test("close() before an operation starts fails it with the client-closed error", async () => {
  const podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  await podman.close();
  const end = await endOf(watch(podman.images.list()), "list");
  assertClosedError(end, /^Cannot list images: the client was closed$/);
});

Deno.test("close() ends a request made with the caller's own signal, and leaves that signal alone", async () => {
  // podman.request() with a signal podrx did not make: the client cannot abort the caller's
  // controller, so it must end the request through one of its own.
  const listing = silentBody("[");
  const { fake: started } = await startSilentService("/images/json", listing.body);
  await using fake = started;
  const podman = new PodmanClient({ baseUrl: `unix://${fake.socketPath}` });
  const caller = new AbortController();
  try {
    const response = await podman.request(
      { path: "/images/json", action: "Cannot list images" },
      caller.signal,
    );
    const read = response.text().then(() => "completed" as const, (error: unknown) => ({ error }));

    await podman.close();

    const readEnd = await endOf({ values: [], ended: read }, "the read");
    assertClosedError(readEnd, /^Cannot list images/);
    assert.equal(caller.signal.aborted, false, "close() aborted the caller's own signal");
    await listing.cancelled;
  } finally {
    caller.abort();
    await podman.close();
  }
});
