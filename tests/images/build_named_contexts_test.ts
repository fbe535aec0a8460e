// build({ additionalBuildContexts }) against the real Podman service: an image, a URL the server
// downloads, and a local directory uploaded with the context (Podman 5.6+), each checked by the
// file it put in the built image; on older servers a local directory is refused before the
// build is sent.
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { type Image, PodmanClient, PodmanError } from "../../mod.ts";
import { createTarWriter } from "../../src/tar/writer.ts";
import { testBed } from "../bed/env.ts";
import { serverAtLeast, serverVersion } from "../bed/server_version.ts";
import { uniqueName } from "./_fixtures.ts";
import { imageFiles } from "./_image_files.ts";
import { buildImage, directory, removeBuilt } from "./_built.ts";
import { recordingClient } from "./_recording_client.ts";

const bed = testBed();

function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

/** The text of each file of the image, by path. */
async function fileTexts(image: Image): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const [path, entry] of await imageFiles(image)) {
    texts.set(path, new TextDecoder().decode(entry.data));
  }
  return texts;
}

/** An image holding `/data.txt` with `text`, tagged; the caller removes it. */
async function sourceImage(podman: PodmanClient, text: string): Promise<Image> {
  await using context = await directory({
    Containerfile: `FROM ${bed.busyboxImage}\nCOPY data.txt /data.txt\n`,
    "data.txt": text,
  });
  return await buildImage(podman, {
    path: context.path,
    tag: `localhost/podrx/${uniqueName("src")}:1`,
  });
}

/** An HTTP server on the host that serves a tar holding `url.txt` with `text`. */
function tarServer(text: string): { url: string } & AsyncDisposable {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async () => {
    const writer = createTarWriter();
    const archive = new Response(writer.readable).bytes();
    const bytes = new TextEncoder().encode(text);
    await writer.add({ name: "url.txt", size: bytes.byteLength, mode: 0o644 }, bytes);
    writer.finalize();
    return new Response(await archive, { headers: { "content-type": "application/x-tar" } });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/context.tar`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("build() with an image and a URL in additionalBuildContexts (Podman 4.2+) copies from both", async () => {
  await using podman = connect();
  const marker = crypto.randomUUID();
  await using web = tarServer(`url-${marker}\n`);
  const images: Image[] = [];
  try {
    const source = await sourceImage(podman, `image-${marker}\n`);
    images.push(source);
    const built = await buildImage(podman, {
      fileobj: `FROM ${bed.busyboxImage}\n` +
        "COPY --from=src /data.txt /from-image.txt\n" +
        "COPY --from=web url.txt /from-url.txt\n",
      additionalBuildContexts: { src: `docker-image://${source.tags[0]}`, web: web.url },
    });
    images.push(built);
    const files = await fileTexts(built);
    assert.equal(files.get("from-image.txt"), `image-${marker}\n`);
    assert.equal(files.get("from-url.txt"), `url-${marker}\n`);
  } finally {
    await removeBuilt(podman, images);
  }
});

Deno.test("build() with a local directory in additionalBuildContexts (Podman 5.6+) uploads it beside the context", async () => {
  const marker = crypto.randomUUID();
  await using local = await directory({
    "local.txt": `local-${marker}\n`,
    "sub/deep.txt": "deep\n",
  });
  if (!(await serverAtLeast(5, 6))) {
    const { podman, paths } = recordingClient();
    await using _ = podman;
    const [major, minor, patch] = await serverVersion();
    await assert.rejects(
      lastValueFrom(podman.images.build({
        fileobj: `FROM ${bed.busyboxImage}\nCOPY --from=dir local.txt /local.txt\n`,
        additionalBuildContexts: { dir: local.path },
      })),
      (error: unknown) => {
        assert.ok(error instanceof PodmanError, String(error));
        assert.equal(
          error.message,
          `Cannot build image: additionalBuildContexts "dir" is a local directory, which needs ` +
            `Podman 5.6 or later (it is uploaded with the context); the server runs ` +
            `${major}.${minor}.${patch}`,
        );
        return true;
      },
    );
    assert.deepEqual(paths.filter((path) => path.endsWith("/build")), [], paths.join(", "));
    return;
  }
  await using podman = connect();
  await using web = tarServer(`url-${marker}\n`);
  await using context = await directory({
    Containerfile: `FROM ${bed.busyboxImage}\n` +
      "COPY main.txt /main.txt\n" +
      "COPY --from=dir . /from-dir/\n" +
      "COPY --from=src /data.txt /from-image.txt\n" +
      "COPY --from=web url.txt /from-url.txt\n",
    "main.txt": `main-${marker}\n`,
  });
  const images: Image[] = [];
  try {
    const source = await sourceImage(podman, `image-${marker}\n`);
    images.push(source);
    // All three forms at once, and each tar of the multipart body gzip-compressed.
    for (const encoding of [undefined, "gzip"] as const) {
      const built = await buildImage(podman, {
        path: context.path,
        additionalBuildContexts: {
          dir: local.path,
          src: `container-image://${source.tags[0]}`,
          web: web.url,
        },
        // One commit at the end instead of one per COPY: vfs copies the whole tree each time.
        layers: false,
        ...(encoding === undefined ? {} : { encoding }),
      });
      images.push(built);
      const files = await fileTexts(built);
      assert.equal(files.get("main.txt"), `main-${marker}\n`, encoding);
      assert.equal(files.get("from-dir/local.txt"), `local-${marker}\n`, encoding);
      assert.equal(files.get("from-dir/sub/deep.txt"), "deep\n", encoding);
      assert.equal(files.get("from-image.txt"), `image-${marker}\n`, encoding);
      assert.equal(files.get("from-url.txt"), `url-${marker}\n`, encoding);
    }
  } finally {
    await removeBuilt(podman, images);
  }
});

Deno.test("build() rejects malformed additionalBuildContexts and a missing directory before sending", async () => {
  const { podman, paths } = recordingClient();
  await using _ = podman;
  const fileobj = `FROM ${bed.busyboxImage}\n`;
  for (
    const [contexts, error] of [
      [{ "bad name": "docker-image://x" }, RangeError],
      [{ "a=b": "docker-image://x" }, RangeError],
      [{ ok: "" }, TypeError],
      [{ ok: "docker-image://" }, TypeError],
      [{ ok: 1 as never }, TypeError],
      [["docker-image://x"] as never, TypeError],
    ] as const
  ) {
    await assert.rejects(
      lastValueFrom(podman.images.build({ fileobj, additionalBuildContexts: contexts })),
      error,
      JSON.stringify(contexts),
    );
  }
  const missing = `/tmp/${uniqueName("podrx-no-such-dir")}`;
  await assert.rejects(
    lastValueFrom(podman.images.build({ fileobj, additionalBuildContexts: { dir: missing } })),
    (error: unknown) =>
      error instanceof PodmanError &&
      error.message ===
        `Cannot build image: build context "dir": the context directory "${missing}" does not exist`,
  );
  assert.deepEqual(paths.filter((path) => path.endsWith("/build")), []);
});
