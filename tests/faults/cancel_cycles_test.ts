// Many cancelled streams in a row: no sockets and no memory are left behind.
//
// Slow by nature here: Deno 2.9 resolves the URL host `libpod` in DNS for every new connection,
// even over a Unix socket, and a cancelled stream's connection cannot be reused, so each cycle
// can wait on the resolver (raw fetch shows the same; bench/README.md has the strace). The
// Podman 5 pass in .ci/run leaves this file out: it talks to no real server.
import assert from "node:assert/strict";
import { firstValueFrom } from "rxjs";
import { silentBody, startFakePodman } from "../fake/fake_podman.ts";

async function openFileDescriptors(): Promise<number> {
  let count = 0;
  for await (const _ of Deno.readDir("/proc/self/fd")) count++;
  return count;
}

Deno.test("2,000 subscribe-then-unsubscribe cycles on a streaming pull leave no sockets or memory behind", async () => {
  await using fake = await startFakePodman(() =>
    new Response(silentBody('{"stream":"Trying\\n"}\n').body)
  );
  const pull$ = fake.client.images.pull("localhost/x");
  // Warm up: the first requests open the pool's connections and load code.
  for (let i = 0; i < 50; i++) await firstValueFrom(pull$);
  const fdsBefore = await openFileDescriptors();
  const heapBefore = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < 2_000; i++) {
    // firstValueFrom unsubscribes after the first event, while the server stays silent.
    const event = await firstValueFrom(pull$);
    assert.equal(event.type, "status");
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const fdsAfter = await openFileDescriptors();
  const heapAfter = Deno.memoryUsage().heapUsed;
  assert.ok(fdsAfter <= fdsBefore + 4, `file descriptors grew from ${fdsBefore} to ${fdsAfter}`);
  assert.ok(
    heapAfter - heapBefore < 32 * 1024 * 1024,
    `heap grew by ${(heapAfter - heapBefore) >> 20} MiB`,
  );
  assert.equal(fake.requests.length, 2_050);
});
