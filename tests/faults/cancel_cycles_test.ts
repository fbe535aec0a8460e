// Many cancelled streams in a row: every request is aborted, and no sockets and no memory are
// left behind.
//
// The cycles run through an IP-literal origin on the same Unix-socket transport: Deno 2.9
// resolves the URL host in DNS for every new connection, even over a Unix socket, and a
// cancelled stream's connection cannot be reused, so with the real `http://libpod` origin each
// cycle waits ~190 ms on the resolver (bench/README.md has the strace), with an IP literal ~1 ms.
// The fake server ignores the host; that the real client sends `libpod` is checked in
// tests/client/podman_client_test.ts. The Podman 5 pass in .ci/run leaves this file out: it
// talks to no real server.
import assert from "node:assert/strict";
import { firstValueFrom, timeout } from "rxjs";
import { PodmanClient, type Transport, unixSocketTransport } from "../../mod.ts";
import { startFakePodman } from "../fake/fake_podman.ts";

const CYCLES = 2_000;
const WARM_UP = 50;

/**
 * `unixSocketTransport(path)` addressed as `http://192.0.2.1`, which needs no DNS lookup.
 * Not 127.0.0.1: tests/run.ts puts it in NO_PROXY, and a host in NO_PROXY bypasses even the
 * client's Unix-socket proxy (the request goes to TCP port 80 instead). 192.0.2.1 is a
 * documentation address (RFC 5737) that no NO_PROXY lists.
 */
function ipLiteralTransport(path: string): Transport {
  const inner = unixSocketTransport(path);
  return {
    origin: "http://192.0.2.1",
    description: inner.description,
    fetch: (url, init) => inner.fetch(url, init),
    close: () => inner.close(),
  };
}

async function openFileDescriptors(): Promise<number> {
  let count = 0;
  for await (const _ of Deno.readDir("/proc/self/fd")) count++;
  return count;
}

/** Heap in use after a full garbage collection, so that only live objects count. */
function liveHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(
    typeof gc === "function",
    "globalThis.gc is missing: run with --v8-flags=--expose-gc (tests/run.ts passes it)",
  );
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
}

/** Waits until `done()` holds, or fails with `what()` after `ms`. */
async function waitUntil(done: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    assert.ok(Date.now() < deadline, what());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("2,000 subscribe-then-unsubscribe cycles on a streaming pull abort every request and leave no sockets or memory behind", async () => {
  // The server's side of every stream: a body's cancel() proves its request was aborted.
  let cancelled = 0;
  const live = new Set<ReadableStreamDefaultController<Uint8Array>>();
  await using fake = await startFakePodman(() => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(opened) {
        controller = opened;
        live.add(controller);
        controller.enqueue(new TextEncoder().encode('{"stream":"Trying\\n"}\n'));
      },
      cancel() {
        live.delete(controller);
        cancelled++;
      },
    });
    return new Response(body);
  });
  await using client = new PodmanClient({ transport: ipLiteralTransport(fake.socketPath) });
  // Disposed first: a stream left open (the client failed to abort it) would keep the fake
  // server's shutdown waiting forever, hiding this test's failure.
  using _endLive = {
    [Symbol.dispose]: () => {
      for (const controller of live) controller.close();
    },
  };
  // Bounded: a cycle that never gets its event fails instead of hanging.
  const pull$ = client.images.pull("localhost/x").pipe(
    timeout({
      first: 10_000,
      with: () => {
        throw new Error(`no event within 10 s after ${fake.requests.length} requests`);
      },
    }),
  );
  // Warm up: the first requests open the pool's connections and load code.
  for (let i = 0; i < WARM_UP; i++) await firstValueFrom(pull$);
  await waitUntil(
    () => cancelled === WARM_UP,
    5_000,
    () => `${cancelled} of ${WARM_UP} warm-up streams cancelled at the server`,
  );
  // The fake's own record of requests is the test's bookkeeping, not the client's memory.
  fake.requests.length = 0;
  const fdsBefore = await openFileDescriptors();
  const heapBefore = liveHeap();
  for (let i = 0; i < CYCLES; i++) {
    // firstValueFrom unsubscribes after the first event, while the server stays silent.
    const event = await firstValueFrom(pull$);
    assert.equal(event.type, "status");
  }
  assert.equal(fake.requests.length, CYCLES);
  assert.equal(fake.requests.at(-1)!.headers.get("host"), "192.0.2.1");
  fake.requests.length = 0;
  await waitUntil(
    () => cancelled === WARM_UP + CYCLES,
    5_000,
    () => `${cancelled - WARM_UP} of ${CYCLES} streams cancelled at the server`,
  );
  // The server has seen every stream go; the client's ends of the connections close alongside.
  let fdsAfter = await openFileDescriptors();
  const deadline = Date.now() + 5_000;
  while (fdsAfter > fdsBefore + 4 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    fdsAfter = await openFileDescriptors();
  }
  assert.ok(fdsAfter <= fdsBefore + 4, `file descriptors grew from ${fdsBefore} to ${fdsAfter}`);
  const grown = liveHeap() - heapBefore;
  // A leak of one request, response or subscriber per cycle is more than this.
  assert.ok(grown < 2 * 1024 * 1024, `live heap grew by ${(grown / 1024).toFixed(0)} KiB`);
});
