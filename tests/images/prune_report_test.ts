// The prune report as the server words it, including entries podman-py's tests feed it.
import assert from "node:assert/strict";
import { APIError } from "../../mod.ts";
import { startFakePodman } from "../fake/fake_podman.ts";

Deno.test("prune() names the image of each failed entry, and gives just the error when there is none", async () => {
  const id = "a".repeat(64);
  await using fake = await startFakePodman(() =>
    Response.json([
      { Id: id, Size: 10, Err: "image is in use by a container" },
      { Err: "cannot lock storage" },
      { Id: "b".repeat(64), Size: 5 },
    ])
  );
  const error = await fake.client.images.promises.prune().catch((error: unknown) => error);
  assert.ok(error instanceof APIError, String(error));
  assert.equal(
    error.explanation,
    `${id}: image is in use by a container; cannot lock storage`,
  );
  assert.doesNotMatch(error.message, /undefined/);
});
