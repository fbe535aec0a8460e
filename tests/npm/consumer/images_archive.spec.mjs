/**
 * Image archives from a Node or Bun user's project against the bed's Podman service: save()
 * as bytes, saveToFile() with its progress, and load() from bytes, a file path, a Blob and a
 * ReadableStream. Each round trip removes the image first and checks with the CLI that the
 * load put the same image back.
 *
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Image, PodmanClient } from "@podrx/podrx";
import { lastValueFrom, toArray } from "rxjs";
import {
  bed,
  importImage,
  podmanCli,
  removeImages,
  runtime,
  TEST_TIMEOUT_MS,
  uniqueName,
} from "./_bed.mjs";

const options = { timeout: TEST_TIMEOUT_MS };

/** The chunks of a byte stream, joined. */
function joined(chunks) {
  const bytes = new Uint8Array(
    chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0),
  );
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

async function cliHas(name) {
  return await podmanCli(["image", "exists", name]).then(
    () => true,
    () => false,
  );
}

describe(`image archives, on ${runtime}`, () => {
  const podman = new PodmanClient({ baseUrl: bed.baseUrl });
  after(() => podman.close());

  /** Removes `name`, loads with `load`, and checks the same image is back under its name. */
  async function roundTrip(image, name, load) {
    await podman.images.promises.remove(name, { force: true });
    assert.equal(
      await cliHas(image.id),
      false,
      "the image is gone before the load",
    );
    const loaded = await load();
    assert.equal(loaded.length, 1);
    assert.ok(loaded[0] instanceof Image);
    assert.equal(loaded[0].id, image.id);
    assert.deepEqual(loaded[0].tags, [name]);
    assert.equal(await cliHas(name), true, "the CLI sees the loaded image");
  }

  test(
    "Image.save() gives a docker-archive that load() puts back from bytes",
    options,
    async () => {
      const name = uniqueName("save", "localhost");
      await importImage(name);
      try {
        const image = await podman.images.promises.get(name);
        const chunks = await lastValueFrom(
          image.save({ named: true }).pipe(toArray()),
        );
        assert.ok(
          chunks.length >= 1 &&
            chunks.every((chunk) => chunk instanceof Uint8Array),
        );
        const archive = joined(chunks);
        // A tar: "ustar" at offset 257 of the first header.
        assert.equal(
          new TextDecoder().decode(archive.subarray(257, 262)),
          "ustar",
        );
        await roundTrip(
          image,
          name,
          () => lastValueFrom(podman.images.load(archive).pipe(toArray())),
        );
        // The await twin of save() collects the same bytes.
        assert.equal(
          (await image.promises.save({ named: true })).byteLength,
          archive.byteLength,
        );
      } finally {
        await removeImages(name);
      }
    },
  );

  test(
    "Image.saveToFile() reports growing sizes, the file's size last; load() reads the path",
    options,
    async () => {
      const name = uniqueName("save-file", "localhost");
      await importImage(name);
      const dir = await mkdtemp(join(tmpdir(), "podrx-npm-save-"));
      try {
        const image = await podman.images.promises.get(name);
        const path = join(dir, "image.tar");
        const sizes = await lastValueFrom(
          image.saveToFile(path, { named: true }).pipe(toArray()),
        );
        const size = (await stat(path)).size;
        assert.ok(sizes.length >= 1);
        assert.equal(
          sizes.at(-1),
          size,
          "the last emission is the file's size",
        );
        assert.ok(
          sizes.every((bytes, i) => i === 0 || bytes > sizes[i - 1]),
          sizes.join(","),
        );
        await roundTrip(image, name, () => podman.images.promises.load(path));
        const url = new URL(`file://${path}`);
        await roundTrip(image, name, () => podman.images.promises.load(url));
        // And from a Blob and a ReadableStream of the same bytes.
        const bytes = await readFile(path);
        await roundTrip(
          image,
          name,
          () => podman.images.promises.load(new Blob([bytes])),
        );
        await roundTrip(
          image,
          name,
          () => podman.images.promises.load(new Blob([bytes]).stream()),
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
        await removeImages(name);
      }
    },
  );
});
