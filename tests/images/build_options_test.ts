// build() options that only newer servers read (timestamps, label and annotation inheritance,
// the created annotation, retries), against the real Podman service: what the built image
// holds, gated on the version that reads the option, and on older servers that the option is
// refused before the build is sent.
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { type BuildOptions, type Image, PodmanClient, PodmanError } from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { serverAtLeast, serverVersion } from "../bed/server_version.ts";
import { uniqueName } from "./_fixtures.ts";
import { imageFiles } from "./_image_files.ts";
import { buildImage, directory, removeBuilt } from "./_built.ts";
import { recordingClient } from "./_recording_client.ts";
import { assertRetried, RETRY_DELAY_MS } from "./_unavailable_registry.ts";

const bed = testBed();

function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

/** The image's annotations, as the server's inspect reports them. */
function annotationsOf(image: Image): Record<string, string> {
  return (image.attrs as { Annotations?: Record<string, string> }).Annotations ?? {};
}

/**
 * Builds with `options` on a server older than `needed`: the error must name the option and
 * the version, and the build must never have been sent.
 */
async function assertRefused(options: BuildOptions, option: string, needed: string): Promise<void> {
  const { podman, paths } = recordingClient();
  await using _ = podman;
  const [major, minor, patch] = await serverVersion();
  await assert.rejects(
    lastValueFrom(podman.images.build({ fileobj: `FROM ${bed.busyboxImage}\n`, ...options })),
    (error: unknown) => {
      assert.ok(error instanceof PodmanError, String(error));
      assert.equal(
        error.message,
        `Cannot build image: ${option} needs Podman ${needed} or later; ` +
          `the server runs ${major}.${minor}.${patch}`,
      );
      return true;
    },
  );
  assert.deepEqual(paths.filter((path) => path.endsWith("/build")), [], paths.join(", "));
}

// 2001-09-09T01:46:40Z: a time no file of the bed has.
const EPOCH = 1_000_000_000;

Deno.test("build() with timestamp (Podman 4.0+) dates the image and the files it adds", async () => {
  await using podman = connect();
  await using context = await directory({
    Containerfile: `FROM ${bed.busyboxImage}\nCOPY data.txt /data.txt\n`,
    "data.txt": "dated\n",
  });
  const image = await buildImage(podman, { path: context.path, timestamp: EPOCH });
  try {
    assert.equal(new Date(image.attrs.Created as string).getTime(), EPOCH * 1000);
    const data = (await imageFiles(image)).get("data.txt");
    assert.equal(data?.mtime.getTime(), EPOCH * 1000);
  } finally {
    await removeBuilt(podman, [image]);
  }
});

Deno.test("build() with sourceDateEpoch and rewriteTimestamp (Podman 5.6+) dates the image, then its files", async () => {
  if (!(await serverAtLeast(5, 6))) {
    await assertRefused({ sourceDateEpoch: EPOCH }, "sourceDateEpoch", "5.6");
    await assertRefused({ rewriteTimestamp: true }, "rewriteTimestamp", "5.6");
    return;
  }
  await using podman = connect();
  await using context = await directory({
    Containerfile: `FROM ${bed.busyboxImage}\nCOPY data.txt /data.txt\n`,
    "data.txt": `${crypto.randomUUID()}\n`,
  });
  const images: Image[] = [];
  try {
    // The epoch alone dates the image, and leaves the file's own (recent) time.
    const dated = await buildImage(podman, {
      path: context.path,
      sourceDateEpoch: EPOCH,
      nocache: true,
    });
    images.push(dated);
    assert.equal(new Date(dated.attrs.Created as string).getTime(), EPOCH * 1000);
    const kept = (await imageFiles(dated)).get("data.txt")!;
    assert.ok(kept.mtime.getTime() > EPOCH * 1000, kept.mtime.toISOString());
    // With rewriteTimestamp, the file gets the epoch too.
    const rewritten = await buildImage(podman, {
      path: context.path,
      sourceDateEpoch: EPOCH,
      rewriteTimestamp: true,
      nocache: true,
    });
    images.push(rewritten);
    assert.equal((await imageFiles(rewritten)).get("data.txt")?.mtime.getTime(), EPOCH * 1000);
  } finally {
    await removeBuilt(podman, images);
  }
});

Deno.test("build() with inheritLabels false (Podman 5.5+) leaves the base image's labels out", async () => {
  if (!(await serverAtLeast(5, 5))) {
    await assertRefused({ inheritLabels: false }, "inheritLabels", "5.5");
    return;
  }
  await using podman = connect();
  const from = `FROM ${bed.labeledImage}\nLABEL podrx.own=${uniqueName("own")}\n`;
  const images: Image[] = [];
  try {
    const inherited = await buildImage(podman, { fileobj: from });
    images.push(inherited);
    assert.equal(inherited.labels["podrx.test"], "seed");
    const own = await buildImage(podman, { fileobj: from, inheritLabels: false });
    images.push(own);
    assert.equal(own.labels["podrx.test"], undefined, JSON.stringify(own.labels));
    assert.ok(own.labels["podrx.own"]);
  } finally {
    await removeBuilt(podman, images);
  }
});

Deno.test("build() with unsetLabels (Podman 4.8+) drops those labels of the base image", async () => {
  if (!(await serverAtLeast(4, 8))) {
    await assertRefused({ unsetLabels: ["podrx.test"] }, "unsetLabels", "4.8");
    return;
  }
  await using podman = connect();
  const image = await buildImage(podman, {
    fileobj: `FROM ${bed.labeledImage}\nLABEL podrx.own=${uniqueName("own")}\n`,
    unsetLabels: ["podrx.test"],
  });
  try {
    assert.equal(image.labels["podrx.test"], undefined, JSON.stringify(image.labels));
    assert.ok(image.labels["podrx.own"]);
  } finally {
    await removeBuilt(podman, [image]);
  }
});

Deno.test("build() with annotations (Podman 4.0+) puts them on the image", async () => {
  await using podman = connect();
  const value = uniqueName("note");
  const image = await buildImage(podman, {
    fileobj: `FROM ${bed.busyboxImage}\nLABEL podrx.own=${value}\n`,
    annotations: { "podrx.note": value },
  });
  try {
    assert.equal(annotationsOf(image)["podrx.note"], value, JSON.stringify(image.attrs));
  } finally {
    await removeBuilt(podman, [image]);
  }
});

Deno.test("build() with inheritAnnotations false and unsetAnnotations (Podman 5.6+) leaves the base's annotations out", async () => {
  if (!(await serverAtLeast(5, 6))) {
    await assertRefused({ inheritAnnotations: false }, "inheritAnnotations", "5.6");
    await assertRefused({ unsetAnnotations: ["a"] }, "unsetAnnotations", "5.6");
    return;
  }
  await using podman = connect();
  const images: Image[] = [];
  try {
    const base = await buildImage(podman, {
      fileobj: `FROM ${bed.busyboxImage}\nLABEL podrx.base=${uniqueName("base")}\n`,
      tag: `localhost/podrx/${uniqueName("annotated")}:1`,
      annotations: { "podrx.a": "1", "podrx.b": "2" },
    });
    images.push(base);
    const from = `FROM ${base.tags[0]}\n`;
    const inherited = await buildImage(podman, { fileobj: from });
    images.push(inherited);
    assert.equal(annotationsOf(inherited)["podrx.a"], "1", JSON.stringify(inherited.attrs));
    const none = await buildImage(podman, { fileobj: from, inheritAnnotations: false });
    images.push(none);
    assert.equal(annotationsOf(none)["podrx.a"], undefined);
    assert.equal(annotationsOf(none)["podrx.b"], undefined);
    const some = await buildImage(podman, { fileobj: from, unsetAnnotations: ["podrx.a"] });
    images.push(some);
    assert.equal(annotationsOf(some)["podrx.a"], undefined);
    assert.equal(annotationsOf(some)["podrx.b"], "2");
  } finally {
    await removeBuilt(podman, images);
  }
});

Deno.test("build() with createdAnnotation false (Podman 5.6+) leaves org.opencontainers.image.created out", async () => {
  if (!(await serverAtLeast(5, 6))) {
    await assertRefused({ createdAnnotation: false }, "createdAnnotation", "5.6");
    return;
  }
  await using podman = connect();
  const fileobj = `FROM ${bed.busyboxImage}\nLABEL podrx.own=${uniqueName("own")}\n`;
  const images: Image[] = [];
  try {
    const marked = await buildImage(podman, { fileobj });
    images.push(marked);
    assert.ok(
      annotationsOf(marked)["org.opencontainers.image.created"],
      JSON.stringify(marked.attrs),
    );
    const unmarked = await buildImage(podman, { fileobj, createdAnnotation: false, nocache: true });
    images.push(unmarked);
    assert.equal(annotationsOf(unmarked)["org.opencontainers.image.created"], undefined);
  } finally {
    await removeBuilt(podman, images);
  }
});

Deno.test("build() with env and unsetEnv (Podman 4.1+) sets and drops the image's environment", async () => {
  await using podman = connect();
  const value = uniqueName("env");
  const envOf = (image: Image) =>
    ((image.attrs as { Config?: { Env?: string[] } }).Config?.Env ?? []).filter((entry) =>
      entry.startsWith("PODRX_")
    ).sort();
  const images: Image[] = [];
  try {
    const base = await buildImage(podman, {
      fileobj: `FROM ${bed.busyboxImage}\nLABEL podrx.own=${value}\n`,
      tag: `localhost/podrx/${value}:1`,
      env: { PODRX_A: value, PODRX_B: "b" },
    });
    images.push(base);
    assert.deepEqual(envOf(base), [`PODRX_A=${value}`, "PODRX_B=b"]);
    const child = await buildImage(podman, {
      fileobj: `FROM ${base.tags[0]}\nLABEL podrx.child=${value}\n`,
      unsetEnv: ["PODRX_A"],
    });
    images.push(child);
    assert.deepEqual(envOf(child), ["PODRX_B=b"]);
  } finally {
    await removeBuilt(podman, images);
  }
});

Deno.test("build() with from (Podman 4.0+) builds on that image instead of the Dockerfile's", async () => {
  await using podman = connect();
  const image = await buildImage(podman, {
    fileobj: `FROM ${bed.busyboxImage}\nLABEL podrx.own=${uniqueName("from")}\n`,
    from: bed.labeledImage,
  });
  try {
    // Only the labeled image carries this label.
    assert.equal(image.labels["podrx.test"], "seed", JSON.stringify(image.labels));
  } finally {
    await removeBuilt(podman, [image]);
  }
});

Deno.test("build() with omitHistory (Podman 4.2+) leaves the image without history", async () => {
  await using podman = connect();
  const fileobj = `FROM ${bed.busyboxImage}\nLABEL podrx.own=${uniqueName("history")}\n`;
  const images: Image[] = [];
  try {
    const full = await buildImage(podman, { fileobj });
    images.push(full);
    assert.ok((await full.promises.history()).length > 0);
    const bare = await buildImage(podman, { fileobj, omitHistory: true, nocache: true });
    images.push(bare);
    const history = (bare.attrs as { History?: unknown[] }).History ?? [];
    assert.deepEqual(history, []);
  } finally {
    await removeBuilt(podman, images);
  }
});

Deno.test("build() with retry and retryDelay (Podman 5.3+) tries the base image's registry again", async () => {
  if (!(await serverAtLeast(5, 3))) {
    await assertRefused({ retry: 1 }, "retry", "5.3");
    await assertRefused({ retryDelay: 10 }, "retryDelay", "5.3");
    return;
  }
  await using podman = connect();
  const attempt = (host: string, retry: number) =>
    lastValueFrom(podman.images.build({
      fileobj: `FROM ${host}/podrx/base:1\n`,
      retry,
      retryDelay: RETRY_DELAY_MS,
    }));
  await assertRetried(attempt);
});

Deno.test("build() rejects a malformed new option before sending", async () => {
  const { podman, paths } = recordingClient();
  await using _ = podman;
  const fileobj = `FROM ${bed.busyboxImage}\n`;
  for (
    const [options, error] of [
      [{ timestamp: -1 }, RangeError],
      [{ sourceDateEpoch: 1.5 }, RangeError],
      [{ retry: "1" as never }, TypeError],
      [{ annotations: { a: 1 } as never }, TypeError],
      [{ unsetLabels: "a" as never }, TypeError],
      [{ env: ["A=1"] as never }, TypeError],
      [{ from: "Bad Name" }, RangeError],
    ] as const
  ) {
    await assert.rejects(lastValueFrom(podman.images.build({ fileobj, ...options })), error);
  }
  assert.deepEqual(paths, []);
});
