// Many operations at once on one client, and many cancelled streams: nothing fails, nothing leaks.
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { testBed } from "../bed/env.ts";

const bed = testBed();

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
