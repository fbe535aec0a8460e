// push() and pull() options that only newer servers read (compressionFormat, compressionLevel,
// forceCompressionFormat, retry, retryDelay), against the real Podman service and the bed's
// open registry: each test checks what the registry holds or saw, gated on the version that
// reads the option, and on older servers that the option is refused before anything is sent.
import assert from "node:assert/strict";
import { lastValueFrom, toArray } from "rxjs";
import { PodmanClient, PodmanError, type PushOptions } from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { serverAtLeast, serverVersion } from "../bed/server_version.ts";
import { importImage, podmanOk, uniqueName } from "./_fixtures.ts";
import { recordingClient } from "./_recording_client.ts";
import { assertRetried, RETRY_DELAY_MS } from "./_unavailable_registry.ts";

const bed = testBed();

const MANIFEST_TYPES = "application/vnd.oci.image.manifest.v1+json, " +
  "application/vnd.docker.distribution.manifest.v2+json";

/** The media types of the layers of `path:tag` in the open registry, read over HTTP. */
async function layerMediaTypes(path: string, tag: string): Promise<string[]> {
  const url = `http://${bed.registry}/v2/${path}/manifests/${tag}`;
  const response = await fetch(url, { headers: { accept: MANIFEST_TYPES } });
  const text = await response.text();
  assert.equal(response.status, 200, `GET ${url}: ${text}`);
  return (JSON.parse(text) as { layers: { mediaType: string }[] }).layers.map((layer) =>
    layer.mediaType
  );
}

/** A fresh image tagged for the open registry: `repository` and its `tag`. */
async function freshImage(prefix: string): Promise<{ path: string; repository: string }> {
  const path = `podrx/${uniqueName(prefix)}`;
  const repository = `${bed.registry}/${path}`;
  await importImage(`${repository}:1`);
  return { path, repository };
}

/**
 * Pushes with `options` on a server older than `needed`: the error must name the option and
 * the version, and no push request may have left the client.
 */
async function assertRefused(
  options: PushOptions,
  option: string,
  needed: string,
): Promise<void> {
  const { repository } = await freshImage("refused");
  const { podman, paths } = recordingClient();
  await using _ = podman;
  const [major, minor, patch] = await serverVersion();
  await assert.rejects(
    lastValueFrom(podman.images.push(repository, { tag: "1", tlsVerify: false, ...options })),
    (error: unknown) => {
      assert.ok(error instanceof PodmanError, String(error));
      assert.equal(
        error.message,
        `Cannot push image "${repository}:1": ${option} needs Podman ${needed} or later; ` +
          `the server runs ${major}.${minor}.${patch}`,
      );
      return true;
    },
  );
  assert.deepEqual(paths.filter((path) => path.includes("/images/")), [], paths.join(", "));
}

Deno.test("push() with compressionFormat zstd (Podman 4.3+) puts zstd layers in the registry", async () => {
  const { path, repository } = await freshImage("zstd");
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  await lastValueFrom(
    podman.images.push(repository, { tag: "1", tlsVerify: false, compressionFormat: "zstd" }),
  );
  const types = await layerMediaTypes(path, "1");
  assert.ok(types.length > 0);
  // Podman's default is gzip, so only the option makes them zstd.
  for (const type of types) assert.match(type, /zstd/, types.join(", "));
});

/** An image of one 400 KB text file (each image its own), which compresses better the harder it is tried. */
async function importTextImage(name: string): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "podrx-text-" });
  try {
    const seed = crypto.randomUUID();
    const lines = Array.from(
      { length: 8000 },
      (_, i) => `${seed} line ${i} holds ${(i * 7919) % 10007} and ${(i * i) % 65521}`,
    );
    await Deno.writeTextFile(`${work}/text.txt`, lines.join("\n"));
    const tar = await new Deno.Command("tar", {
      args: ["--create", "--file", `${work}/rootfs.tar`, "--directory", work, "text.txt"],
    }).output();
    assert.ok(tar.success, new TextDecoder().decode(tar.stderr));
    await podmanOk(["import", `${work}/rootfs.tar`, name]);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** The size of the one layer of `path:tag` in `registry`, read over HTTP. */
async function layerSize(
  registry: string,
  path: string,
  tag: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const url = `http://${registry}/v2/${path}/manifests/${tag}`;
  const response = await fetch(url, { headers: { ...headers, accept: MANIFEST_TYPES } });
  const text = await response.text();
  assert.equal(response.status, 200, `GET ${url}: ${text}`);
  const [layer] = (JSON.parse(text) as { layers: { size: number }[] }).layers;
  return layer!.size;
}

Deno.test("push() with compressionLevel (Podman 4.6+) compresses the layer that hard", async () => {
  if (!(await serverAtLeast(4, 6))) {
    await assertRefused({ compressionLevel: 3 }, "compressionLevel", "4.6");
    return;
  }
  const path = `podrx/${uniqueName("level")}`;
  const image = `localhost/${path}:1`;
  await importTextImage(image);
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const authConfig = { username: bed.authUser, password: bed.authPassword };
  // One registry each: a registry that already has the layer would be handed the same blob.
  await lastValueFrom(podman.images.push(image, {
    destination: `${bed.registry}/${path}:1`,
    tlsVerify: false,
    compressionFormat: "gzip",
    compressionLevel: 1,
  }));
  await lastValueFrom(podman.images.push(image, {
    destination: `${bed.authRegistry}/${path}:1`,
    tlsVerify: false,
    authConfig,
    compressionFormat: "gzip",
    compressionLevel: 9,
  }));
  const fast = await layerSize(bed.registry, path, "1");
  const hard = await layerSize(bed.authRegistry, path, "1", {
    authorization: `Basic ${btoa(`${bed.authUser}:${bed.authPassword}`)}`,
  });
  assert.ok(hard < fast * 0.9, `level 1: ${fast} bytes, level 9: ${hard} bytes`);
});

Deno.test("push() with forceCompressionFormat false (Podman 4.7+) reuses the registry's gzip layers", async () => {
  if (!(await serverAtLeast(4, 7))) {
    await assertRefused({ forceCompressionFormat: false }, "forceCompressionFormat", "4.7");
    return;
  }
  const { path, repository } = await freshImage("force");
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const push = (options: PushOptions) =>
    lastValueFrom(podman.images.push(repository, { tag: "1", tlsVerify: false, ...options }));
  // The registry gets the layer gzip-compressed first.
  await push({});
  // Not forced, zstd gives way to the blob the registry already has...
  await push({
    destination: `${repository}:2`,
    compressionFormat: "zstd",
    forceCompressionFormat: false,
  });
  for (const type of await layerMediaTypes(path, "2")) assert.match(type, /gzip/);
  // ...forced (the default with compressionFormat), the layer goes up again as zstd.
  await push({
    destination: `${repository}:3`,
    compressionFormat: "zstd",
    forceCompressionFormat: true,
  });
  for (const type of await layerMediaTypes(path, "3")) assert.match(type, /zstd/);
});

Deno.test("push() with retry and retryDelay (Podman 5.0+) tries the registry again, that much later", async () => {
  if (!(await serverAtLeast(5, 0))) {
    await assertRefused({ retry: 1 }, "retry", "5.0");
    await assertRefused({ retryDelay: 10 }, "retryDelay", "5.0");
    return;
  }
  const { repository } = await freshImage("retry");
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const push = (host: string, retry: number) =>
    lastValueFrom(
      podman.images.push(repository, {
        tag: "1",
        tlsVerify: false,
        destination: `${host}/podrx/retry:1`,
        retry,
        retryDelay: RETRY_DELAY_MS,
      }),
    );
  await assertRetried(push);
});

Deno.test("pull() with retry and retryDelay (Podman 5.0+) tries the registry again, that much later", async () => {
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  if (!(await serverAtLeast(5, 0))) {
    const { podman: recording, paths } = recordingClient();
    await using _ = recording;
    const [major, minor, patch] = await serverVersion();
    await assert.rejects(
      lastValueFrom(recording.images.pull(`${bed.registry}/podrx/none:1`, { retry: 1 })),
      (error: unknown) =>
        error instanceof PodmanError &&
        error.message ===
          `Cannot pull image "${bed.registry}/podrx/none:1": retry needs Podman 5.0 or later; ` +
            `the server runs ${major}.${minor}.${patch}`,
    );
    assert.deepEqual(paths.filter((path) => path.includes("/images/")), []);
    return;
  }
  const pull = (host: string, retry: number) =>
    lastValueFrom(
      podman.images.pull(`${host}/podrx/retry:1`, {
        tlsVerify: false,
        retry,
        retryDelay: RETRY_DELAY_MS,
      }).pipe(toArray()),
    );
  await assertRetried(pull);
});

Deno.test("push() and pull() reject a retry or retryDelay that is not a whole number, before sending", async () => {
  const { podman, paths } = recordingClient();
  await using _ = podman;
  for (
    const [options, error] of [
      [{ retry: -1 }, RangeError],
      [{ retry: 1.5 }, RangeError],
      [{ retryDelay: "1s" as never }, TypeError],
    ] as const
  ) {
    await assert.rejects(lastValueFrom(podman.images.push("localhost/x:1", options)), error);
    await assert.rejects(lastValueFrom(podman.images.pull("localhost/x:1", options)), error);
  }
  assert.deepEqual(paths, []);
});
