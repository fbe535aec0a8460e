/**
 * Streams from a Node or Bun user's project against the bed's Podman service: a pull through
 * `progress()` and `renderProgress()` drawn on a terminal-like sink, and a load whose images
 * come one by one as the server reports them. (Build logs arriving live are in
 * images.spec.mjs.)
 *
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Image, PodmanClient, progress, renderProgress } from "@podrx/podrx";
import { lastValueFrom, toArray } from "rxjs";
import {
  bed,
  importImage,
  inRegistryOnly,
  podmanCli,
  removeImages,
  runtime,
  TEST_TIMEOUT_MS,
  uniqueName,
} from "./_bed.mjs";

const options = { timeout: TEST_TIMEOUT_MS };
const CLEAR_LINE = "\r\x1b[K";

/** A sink that says it is a terminal and keeps what is drawn on it, in small writes. */
function fakeTerminal(terminal = true) {
  const chunks = [];
  return {
    isTerminal: () => terminal,
    writeSync(bytes) {
      // Takes at most 16 bytes a call, as a busy terminal may: the renderer must write the rest.
      const taken = bytes.slice(0, 16);
      chunks.push(taken);
      return taken.byteLength;
    },
    text: () => new TextDecoder().decode(Buffer.concat(chunks)),
  };
}

describe(`streams, on ${runtime}`, () => {
  const podman = new PodmanClient({ baseUrl: bed.baseUrl });
  after(() => podman.close());

  test(
    "pull() through progress() and renderProgress() draws a line, then clears it",
    options,
    async () => {
      const name = uniqueName("progress");
      await inRegistryOnly(name);
      const terminal = fakeTerminal();
      const quiet = fakeTerminal(false);
      try {
        const snapshots = await lastValueFrom(
          podman.images.pull(name, { tlsVerify: false }).pipe(
            progress(),
            renderProgress({
              label: "busybox",
              output: terminal,
              columns: 60,
              interval: 0,
            }),
            renderProgress({ label: "busybox", output: quiet }),
            toArray(),
          ),
        );
        const last = snapshots.at(-1);
        assert.equal(last.done, true);
        assert.equal(last.event.type, "pulled");
        assert.equal(
          last.event.image.id,
          (await podman.images.promises.get(bed.busybox)).id,
        );
        assert.ok(snapshots.slice(0, -1).every((snapshot) => !snapshot.done));
        const drawn = terminal.text();
        // Each snapshot redraws the line in place; the completed stream leaves it cleared.
        const lines = drawn.split(CLEAR_LINE).slice(1, -1);
        assert.equal(lines.length, snapshots.length, JSON.stringify(drawn));
        assert.ok(
          lines.every((line) => line.startsWith("busybox") && line.length <= 59),
          drawn,
        );
        assert.ok(drawn.endsWith(CLEAR_LINE));
        // Layers counted where the server reports them, else the last status line is shown.
        if (last.layersSeen > 0) {
          // (At 60 columns a line with bytes, as Podman 6 reports them, ends in "2/2 l".)
          assert.ok(
            lines.at(-1).includes(`${last.layersDone}/${last.layersSeen}`),
            drawn,
          );
        } else {
          assert.ok(
            last.lastStatus,
            "a pull without layer events reports status lines",
          );
          // Cut to the width if need be.
          assert.ok(
            last.lastStatus.startsWith(lines.at(-1).split("  ").at(-1)),
            lines.at(-1),
          );
        }
        if (last.fraction !== undefined) {
          assert.ok(
            lines.at(-1).includes(`${Math.floor(last.fraction * 100)}%`),
            lines.at(-1),
          );
        }
        assert.equal(
          quiet.text(),
          "",
          "nothing is drawn where the sink is no terminal",
        );
      } finally {
        await removeImages(name);
      }
    },
  );

  test(
    "load() emits each image of a multi-image archive as it is loaded",
    options,
    async () => {
      const names = [
        uniqueName("multi-a", "localhost"),
        uniqueName("multi-b", "localhost"),
      ];
      const ids = [await importImage(names[0]), await importImage(names[1])];
      const dir = await mkdtemp(join(tmpdir(), "podrx-npm-multi-"));
      try {
        const archive = join(dir, "two.tar");
        await podmanCli([
          "save",
          "--multi-image-archive",
          "--output",
          archive,
          ...names,
        ]);
        await removeImages(...names);
        const seen = [];
        let completedAfter;
        await new Promise((resolve, reject) =>
          podman.images.load(archive).subscribe({
            next: (image) => seen.push(image),
            error: reject,
            complete: () => {
              completedAfter = seen.length;
              resolve();
            },
          })
        );
        assert.equal(completedAfter, 2);
        assert.ok(seen.every((image) => image instanceof Image));
        assert.deepEqual(seen.map((image) => image.id).sort(), [...ids].sort());
        for (const name of names) {
          assert.equal(
            await podmanCli(["image", "exists", name]).then(
              () => true,
              () => false,
            ),
            true,
          );
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
        await removeImages(...names);
      }
    },
  );
});
