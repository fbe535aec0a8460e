// Many operations at once on one client, and many cancelled streams: nothing fails, nothing leaks.
import assert from "node:assert/strict";
import { firstValueFrom, lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { silentBody, startFakePodman } from "../fake/fake_podman.ts";

const bed = testBed();

async function openFileDescriptors(): Promise<number> {
  let count = 0;
  for await (const _ of Deno.readDir("/proc/self/fd")) count++;
  return count;
}

Deno.test("200 concurrent get/list/exists/history calls on one client all succeed", async () => {
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const image = await lastValueFrom(podman.images.get(bed.busyboxImage));
  const calls = Array.from({ length: 200 }, (_, i): Promise<unknown> => {
    switch (i % 4) {
      case 0:
        return lastValueFrom(podman.images.get(bed.busyboxImage)).then((got) =>
          assert.equal(got.id, image.id)
        );
      case 1:
        return lastValueFrom(podman.images.list()).then((all) =>
          assert.ok(all.some((one) => one.id === image.id))
        );
      case 2:
        return lastValueFrom(podman.images.exists(bed.labeledImage)).then((yes) =>
          assert.equal(yes, true)
        );
      default:
        return lastValueFrom(image.history()).then((layers) => assert.ok(layers.length >= 1));
    }
  });
  const results = await Promise.allSettled(calls);
  const failures = results.filter((result) => result.status === "rejected");
  assert.equal(failures.length, 0, JSON.stringify(failures.slice(0, 3)));
});

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
