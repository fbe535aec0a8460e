/**
 * podrx's errors from a Node or Bun user's project against the bed's Podman service and
 * registries: their classes, `name`s, fields and messages for a missing image (404), a
 * registry that wants credentials, a socket that does not exist, a closed client, a silent
 * operation past its timeout, and a failed build step.
 *
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  APIError,
  BuildError,
  ConnectionError,
  ImageNotFound,
  isPodmanError,
  PodmanClient,
  PodmanError,
  TimeoutError,
} from "@podrx/podrx";
import { lastValueFrom } from "rxjs";
import { bed, podmanCli, runtime, serverAtLeast, TEST_TIMEOUT_MS, uniqueName } from "./_bed.mjs";

const options = { timeout: TEST_TIMEOUT_MS };

/** Everything an error carries, as text: a secret must be in none of it. */
function everything(error) {
  return [
    error.message,
    error.explanation,
    error.serverCause,
    String(error.cause),
    error.stack,
  ]
    .join(" ");
}

describe(`errors, on ${runtime}`, () => {
  const podman = new PodmanClient({ baseUrl: bed.baseUrl });
  after(() => podman.close());

  test(
    "a missing image is ImageNotFound (404) with Podman's message",
    options,
    async () => {
      const name = "localhost/podrx-npm/absent:1";
      const error = await lastValueFrom(podman.images.get(name)).catch((
        error,
      ) => error);
      assert.ok(error instanceof ImageNotFound, String(error));
      assert.ok(error instanceof APIError && error instanceof PodmanError);
      assert.equal(isPodmanError(error), true);
      assert.equal(error.name, "ImageNotFound");
      assert.equal(error.status, 404);
      assert.equal(error.method, "GET");
      assert.match(
        error.message,
        /^Cannot get image "localhost\/podrx-npm\/absent:1": .*image not known \(404\)$/,
      );
      // The await twin rejects with the same class, for another operation.
      await assert.rejects(podman.images.promises.remove(name), ImageNotFound);
    },
  );

  test(
    "a push to the htpasswd registry without credentials is APIError, no secret in it",
    options,
    async () => {
      const name = uniqueName("no-credentials", bed.authRegistry);
      await podmanCli(["tag", bed.busybox, name]);
      try {
        const error = await podman.images.promises.push(name, {
          tlsVerify: false,
        })
          .catch((error) => error);
        assert.ok(error instanceof APIError, String(error));
        assert.equal(error.name, "APIError");
        assert.match(error.explanation, /authentication required/);
        assert.ok(
          error.message.startsWith(`Cannot push image "${name}": `),
          error.message,
        );
        if (await serverAtLeast(podman, 5)) {
          // Podman 5 streams the push: the refusal comes in-band, in a 200 answer.
          assert.equal(error.status, 200);
          assert.equal(error.inStream, true);
        } else {
          assert.equal(error.status, 400);
          assert.equal(error.inStream, false);
        }
        assert.ok(
          !everything(error).includes(bed.authPassword),
          "the password leaked",
        );
      } finally {
        await podmanCli(["untag", bed.busybox, name]).catch(() => {});
      }
    },
  );

  test(
    "a socket path that does not exist is ConnectionError 'unreachable'",
    options,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "podrx-npm-nosock-"));
      const nowhere = new PodmanClient({
        baseUrl: `unix://${dir}/missing.sock`,
      });
      try {
        const error = await nowhere.images.promises.list().catch((error) => error);
        assert.ok(error instanceof ConnectionError, String(error));
        assert.equal(error.name, "ConnectionError");
        assert.equal(error.reason, "unreachable");
        assert.equal(
          error.message,
          `Cannot list images: cannot reach Podman at unix://${dir}/missing.sock: no socket at this path`,
        );
      } finally {
        await nowhere.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  test(
    "a closed client fails every operation with ConnectionError 'closed'",
    options,
    async () => {
      const closed = new PodmanClient({ baseUrl: bed.baseUrl });
      assert.equal(await closed.images.promises.exists(bed.busybox), true);
      await closed.close();
      for (
        const operation of [
          closed.images.list(),
          closed.images.get(bed.busybox),
        ]
      ) {
        const error = await lastValueFrom(operation).catch((error) => error);
        assert.ok(error instanceof ConnectionError, String(error));
        assert.equal(error.reason, "closed");
        assert.match(error.message, /the client was closed$/);
      }
      await closed.close(); // a second close is harmless
    },
  );

  test(
    "a build silent past its timeout is TimeoutError; the client goes on",
    options,
    async () => {
      const error = await podman.images.promises.build({
        fileobj: `FROM ${bed.busybox}\nRUN sleep 20 && echo podrx-too-late\n`,
        nocache: true,
        timeout: 1_500,
      }).catch((error) => error);
      assert.ok(error instanceof TimeoutError, String(error));
      assert.equal(error.name, "TimeoutError");
      assert.equal(error.timeout, 1_500);
      assert.ok(isPodmanError(error));
      assert.ok((await podman.images.promises.list()).length > 0);
    },
  );

  test(
    "a failing build step is BuildError with the log up to the failure",
    options,
    async () => {
      const error = await podman.images.promises.build({
        fileobj: `FROM ${bed.busybox}\nRUN echo podrx-before-failure && false\n`,
        nocache: true,
      }).catch((error) => error);
      assert.ok(error instanceof BuildError, String(error));
      assert.equal(error.name, "BuildError");
      assert.ok(
        error.buildLog.some((line) => line.trim() === "podrx-before-failure"),
        error.buildLog.join(""),
      );
      assert.match(error.message, /^Cannot build image: /);
    },
  );
});
