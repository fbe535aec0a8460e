/**
 * OCI artifacts from a Node or Bun user's project against the bed's Podman service and open
 * registry. The artifacts API needs Podman 5.6 or later; the server's version decides, as in
 * tests/artifacts/: an older server (the host's 4.3 in CI) is checked to refuse every
 * operation, before anything is sent, with the version it needs; a newer one runs each
 * operation (add, list, get, exists, push, pull, extract, extractFile, remove).
 *
 * @module
 */

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Artifact, NotFound, PodmanClient, PodmanError, unixSocketTransport } from "@podrx/podrx";
import { lastValueFrom, toArray } from "rxjs";
import {
  bed,
  runtime,
  serverAtLeast,
  serverVersion,
  TEST_TIMEOUT_MS,
  uniqueName,
} from "./_bed.mjs";

const probe = new PodmanClient({ baseUrl: bed.baseUrl });
const version = await serverVersion(probe);
const hasArtifacts = await serverAtLeast(probe, 5, 6);
await probe.close();

const options = { timeout: TEST_TIMEOUT_MS };
const NEEDS = "the artifacts API needs Podman 5.6 or later";

/** Bytes that differ by seed, so each file has its own digest. */
function bytes(size, seed) {
  return Uint8Array.from(
    { length: size },
    (_, index) => (index * 31 + seed) & 0xff,
  );
}

describe(`artifacts on Podman ${version.join(".")}, on ${runtime}`, () => {
  test(
    "an older server refuses every operation, naming the version, sending nothing",
    {
      ...options,
      skip: hasArtifacts ? `Podman ${version.join(".")} has the artifacts API` : false,
    },
    async () => {
      // A transport that counts requests to the artifacts API: none may be sent.
      const inner = unixSocketTransport(bed.socketPath);
      const paths = [];
      const podman = new PodmanClient({
        transport: {
          origin: inner.origin,
          description: inner.description,
          fetch: (
            url,
            init,
          ) => (paths.push(new URL(url).pathname), inner.fetch(url, init)),
          close: () => inner.close(),
        },
      });
      try {
        const name = uniqueName("old-artifact");
        const operations = {
          add: podman.artifacts.add(name, {
            fileName: "a",
            data: new Uint8Array(1),
          }),
          list: podman.artifacts.list(),
          get: podman.artifacts.get(name),
          exists: podman.artifacts.exists(name),
          remove: podman.artifacts.remove(name),
          pull: podman.artifacts.pull(name),
          push: podman.artifacts.push(name),
        };
        for (const [operation, events] of Object.entries(operations)) {
          const error = await lastValueFrom(events).catch((error) => error);
          assert.ok(error instanceof PodmanError, `${operation}: ${error}`);
          assert.ok(
            error.message.endsWith(
              `: ${NEEDS}; the server runs ${version.join(".")}`,
            ),
            `${operation}: ${error.message}`,
          );
        }
        assert.deepEqual(
          paths.filter((path) => path.includes("/artifacts")),
          [],
        );
      } finally {
        await podman.close();
      }
    },
  );

  describe("on a server with the artifacts API", () => {
    const podman = new PodmanClient({ baseUrl: bed.baseUrl });
    after(() => podman.close());
    const skip = hasArtifacts ? false : `Podman ${version.join(".")}: ${NEEDS}`;

    test("add, list, get, exists, push, pull, extract, extractFile, remove", {
      ...options,
      skip,
    }, async () => {
      const name = uniqueName("artifact");
      const dir = await mkdtemp(join(tmpdir(), "podrx-npm-artifact-"));
      const weights = bytes(200_000, 1);
      const config = new TextEncoder().encode('{"layers":2}');
      try {
        await writeFile(join(dir, "weights.bin"), weights);
        const events = await lastValueFrom(
          podman.artifacts.add(name, [join(dir, "weights.bin"), {
            fileName: "config.json",
            data: config,
          }], {
            type: "application/vnd.podrx.model",
          }).pipe(toArray()),
        );
        const added = events.at(-1);
        assert.equal(added.type, "added");
        assert.ok(added.artifact instanceof Artifact);
        assert.deepEqual(
          added.artifact.files.map((file) => [file.title, file.size]),
          [
            ["weights.bin", weights.byteLength],
            ["config.json", config.byteLength],
          ],
        );
        assert.ok(
          (await podman.artifacts.promises.list()).some((each) => each.name === name),
        );
        assert.equal(
          (await podman.artifacts.promises.get(name)).digest,
          added.digest,
        );
        assert.equal(await podman.artifacts.promises.exists(name), true);

        const pushed = await podman.artifacts.promises.push(name, {
          tlsVerify: false,
        });
        const [host, rest] = [
          name.slice(0, name.indexOf("/")),
          name.slice(name.indexOf("/") + 1),
        ];
        const head = await fetch(
          `http://${host}/v2/${rest.slice(0, rest.lastIndexOf(":"))}/manifests/${
            rest.slice(rest.lastIndexOf(":") + 1)
          }`,
          {
            method: "HEAD",
            headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
          },
        );
        assert.equal(pushed.digest, head.headers.get("docker-content-digest"));

        await podman.artifacts.promises.remove(name);
        assert.equal(await podman.artifacts.promises.exists(name), false);
        const pulled = await podman.artifacts.promises.pull(name, {
          tlsVerify: false,
        });
        assert.equal(pulled.digest, added.digest);

        const { files } = await podman.artifacts.promises.extract(
          pulled,
          join(dir, "out"),
        );
        assert.deepEqual(files.map((file) => file.fileName).sort(), [
          "config.json",
          "weights.bin",
        ]);
        assert.deepEqual(
          new Uint8Array(await readFile(join(dir, "out", "weights.bin"))),
          weights,
        );
        assert.deepEqual(
          await podman.artifacts.promises.extractFile(name, {
            title: "config.json",
          }),
          config,
        );
        assert.deepEqual(await podman.artifacts.promises.remove(name), [
          added.digest,
        ]);
        await assert.rejects(podman.artifacts.promises.get(name), NotFound);
      } finally {
        await podman.artifacts.promises.remove(name, { ignore: true }).catch(
          () => {},
        );
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
