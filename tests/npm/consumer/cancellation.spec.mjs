/**
 * Cancellation from a Node or Bun user's project against the bed's Podman service: unsubscribing
 * a pull, a push and a load mid-way aborts their requests (seen by a transport that records
 * what the client sends, wrapped around the package's own socket transport), a load's upload
 * is cut before the image is stored, and an AbortSignal rejects an await twin with its reason.
 * After each, the same client goes on working. (Unsubscribing a build is in images.spec.mjs.)
 *
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PodmanClient, unixSocketTransport } from "@podrx/podrx";
import {
  bed,
  eventually,
  importImage,
  inRegistryOnly,
  podmanCli,
  removeImages,
  runtime,
  TEST_TIMEOUT_MS,
  uniqueName,
} from "./_bed.mjs";

const options = { timeout: TEST_TIMEOUT_MS };

/** A client of the bed whose transport records each request's URL and signal. */
function recordingClient() {
  const inner = unixSocketTransport(bed.socketPath);
  const sent = [];
  const transport = {
    origin: inner.origin,
    description: inner.description,
    fetch(url, init) {
      sent.push({ url: String(url), signal: init.signal });
      return inner.fetch(url, init);
    },
    close: () => inner.close(),
  };
  return { client: new PodmanClient({ transport }), sent };
}

function requestTo(sent, path) {
  const request = sent.find((each) => new URL(each.url).pathname.endsWith(path));
  assert.ok(
    request,
    `no request to ${path} among ${sent.map((each) => each.url).join(", ")}`,
  );
  return request;
}

/** Subscribes, and unsubscribes at the first event; resolves with what the subscriber saw. */
function unsubscribeAtFirst(events) {
  const seen = { events: [], ended: false };
  return new Promise((resolve, reject) => {
    const subscription = events.subscribe({
      next(event) {
        seen.events.push(event);
        subscription.unsubscribe();
        resolve(seen);
      },
      error: (error) => {
        seen.ended = true;
        reject(error);
      },
      complete: () => {
        seen.ended = true;
        reject(new Error("completed before its first event"));
      },
    });
  });
}

describe(`cancellation, on ${runtime}`, () => {
  const { client: podman, sent } = recordingClient();
  after(() => podman.close());

  test(
    "pull() unsubscribed at its first event aborts the request; the client goes on",
    options,
    async () => {
      const name = uniqueName("cancel-pull");
      await inRegistryOnly(name);
      try {
        const seen = await unsubscribeAtFirst(
          podman.images.pull(name, { tlsVerify: false }),
        );
        assert.equal(seen.events.length, 1);
        assert.notEqual(seen.events[0].type, "pulled");
        assert.equal(
          requestTo(sent, "/images/pull").signal.aborted,
          true,
          "request not aborted",
        );
        // The same client (and its connections) serves the next request, and the next pull.
        assert.ok((await podman.images.promises.list()).length > 0);
        assert.equal(seen.events.length, 1, "events after unsubscribe");
        assert.equal(
          seen.ended,
          false,
          "an unsubscribed pull neither errors nor completes",
        );
        const pulled = await podman.images.promises.pull(name, {
          tlsVerify: false,
        });
        assert.equal(
          pulled.id,
          (await podman.images.promises.get(bed.busybox)).id,
        );
      } finally {
        await removeImages(name);
      }
    },
  );

  test(
    "push() unsubscribed while under way aborts the request; a new push completes",
    options,
    async () => {
      const name = uniqueName("cancel-push");
      await podmanCli(["tag", bed.busybox, name]);
      try {
        const before = sent.length;
        // Podman 4.3 pushes in blocking mode (one answer at the end), so there may be no first
        // event to wait for: the push is cut at its first event (Podman 5 and later stream
        // status lines) or as soon as its request is out, whichever comes first.
        let unsubscribed = false;
        const cut = () => {
          unsubscribed = true;
          subscription.unsubscribe();
        };
        const subscription = podman.images.push(name, { tlsVerify: false }).subscribe({
          next: () => {
            if (unsubscribed) assert.fail("an event came after unsubscribe");
            cut();
          },
          error: (error) => assert.fail(`error after unsubscribe: ${error}`),
          complete: () => assert.fail("completed after unsubscribe"),
        });
        await eventually(() => unsubscribed || sent.length > before, "the push request was sent");
        if (!unsubscribed) cut();
        const request = requestTo(sent.slice(before), "/push");
        assert.equal(request.signal.aborted, true, "request not aborted");
        const pushed = await podman.images.promises.push(name, {
          tlsVerify: false,
        });
        assert.equal(pushed.type, "pushed");
        assert.equal(pushed.destination, name);
      } finally {
        await podmanCli(["untag", bed.busybox, name]).catch(() => {});
      }
    },
  );

  test(
    "load() unsubscribed mid-upload cancels the source; no image is stored",
    options,
    async () => {
      const name = uniqueName("cancel-load", "localhost");
      const id = await importImage(name);
      const archive = await podman.images.promises.get(name).then((image) => image.promises.save());
      await removeImages(name);
      let cancelled = false;
      let pulls = 0;
      // Half of a real archive, then nothing: the upload stays open until it is cut.
      const stalling = new ReadableStream({
        pull(controller) {
          if (pulls++ > 0) return new Promise(() => {});
          controller.enqueue(archive.slice(0, archive.byteLength >> 1));
        },
        cancel() {
          cancelled = true;
        },
      });
      const subscription = podman.images.load(stalling).subscribe({
        error: (error) => assert.fail(`error after unsubscribe: ${error}`),
      });
      await eventually(() => pulls >= 2, "the upload took the first half");
      subscription.unsubscribe();
      await eventually(() => cancelled, "the source stream was cancelled");
      assert.equal(requestTo(sent, "/images/load").signal.aborted, true);
      // The server got a cut archive: it stored nothing, and answers the same client.
      assert.equal(await podman.images.promises.exists(id), false);
      assert.equal(
        await podmanCli(["image", "exists", id]).then(() => true, () => false),
        false,
      );
      assert.ok((await podman.images.promises.list()).length > 0);
    },
  );

  test(
    "an AbortSignal rejects the await twin with its reason, and never sends when aborted",
    options,
    async () => {
      const name = uniqueName("abort-pull");
      await inRegistryOnly(name);
      try {
        const controller = new AbortController();
        const reason = new Error("enough");
        const pulling = podman.images.promises.pull(name, {
          tlsVerify: false,
          signal: controller.signal,
          onProgress: () => controller.abort(reason),
        });
        await assert.rejects(pulling, (error) => error === reason);
        const before = sent.length;
        const gone = new Error("already gone");
        await assert.rejects(
          podman.images.promises.exists(bed.busybox, {
            signal: AbortSignal.abort(gone),
          }),
          (error) => error === gone,
        );
        assert.equal(
          sent.length,
          before,
          "a request was sent for an aborted signal",
        );
        assert.equal(await podman.images.promises.exists(bed.busybox), true);
      } finally {
        await removeImages(name);
      }
    },
  );
});
