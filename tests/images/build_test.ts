// ImagesManager.build() against the real Podman service: context packing, live logs,
// errors, options and cancellation.
import assert from "node:assert/strict";
import { lastValueFrom, type Observable, tap, toArray } from "rxjs";
import {
  APIError,
  BuildError,
  type BuildEvent,
  type BuildOptions,
  Image,
  PodmanClient,
  PodmanError,
  type Transport,
  unixSocketTransport,
} from "../../mod.ts";
import { createTarWriter } from "../../src/tar/writer.ts";
import { waitUntil } from "../async/_wait_until.ts";
import { processesNaming } from "../bed/_leftovers.ts";
import { testBed } from "../bed/env.ts";
import { keptOutput } from "./_kept_output.ts";
import { uniqueName } from "./_fixtures.ts";

const bed = testBed();
const FROM = `FROM ${bed.busyboxImage}\n`;

/** A request as the transport saw it, with the first bytes of its body. */
interface Sent {
  method: string;
  url: string;
  head?: Uint8Array;
  /** Bytes of a streamed body passed on to the connection so far. */
  forwarded: number;
}

/**
 * Passes a body through, noting its first chunk in `record`; with `delayMs`, every chunk is
 * held back, so an upload stays in flight long enough to be cancelled midway.
 */
function watched(
  body: ReadableStream<Uint8Array>,
  record: Sent,
  delayMs: number | undefined,
): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        // A copy: podrx releases a context chunk's memory once the next is read.
        record.head ??= chunk.slice(0, 16);
        record.forwarded += chunk.byteLength;
        if (delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, delayMs));
        controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * A client whose transport records every request it sends, with the first bytes of a
 * streamed body; `throttleMs` slows streamed bodies down.
 */
function recordingClient(throttleMs?: number): { podman: PodmanClient; sent: Sent[] } {
  const inner = unixSocketTransport(bed.socketPath);
  const sent: Sent[] = [];
  const transport: Transport = {
    origin: inner.origin,
    description: inner.description,
    fetch(url, init) {
      const record: Sent = { method: init.method ?? "GET", url, forwarded: 0 };
      sent.push(record);
      if (init.body instanceof ReadableStream) {
        init = { ...init, body: watched(init.body, record, throttleMs) };
      }
      return inner.fetch(url, init);
    },
    close: () => inner.close(),
  };
  return { podman: new PodmanClient({ transport }), sent };
}

function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

/** A temporary directory holding `files` (paths may have folders). */
async function makeContext(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-build-test-" });
  for (const [name, content] of Object.entries(files)) {
    const slash = name.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(`${dir}/${name.slice(0, slash)}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${name}`, content);
  }
  return dir;
}

/** How many of this process's file descriptors point at `path`. */
async function descriptorsOn(path: string): Promise<number> {
  let count = 0;
  for await (const entry of Deno.readDir("/proc/self/fd")) {
    const target = await Deno.readLink(`/proc/self/fd/${entry.name}`).catch(() => "");
    if (target === path) count++;
  }
  return count;
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

interface Built {
  lines: string[];
  text: string;
  image: Image;
}

/** Runs a build to the end: the log lines, their text, and the image. */
async function build(events: Observable<BuildEvent>): Promise<Built> {
  const all = await lastValueFrom(events.pipe(toArray()));
  const last = all.at(-1);
  assert.ok(last?.type === "built", "the last event is built");
  assert.equal(all.filter((event) => event.type === "built").length, 1);
  const lines = all.flatMap((event) => event.type === "log" ? [event.line] : []);
  return { lines, text: lines.join(""), image: last.image };
}

async function failure(events: Observable<BuildEvent>): Promise<unknown> {
  return await lastValueFrom(events).then(
    () => assert.fail("the build succeeded"),
    (error: unknown) => error,
  );
}

/** Whether the log holds `line` as a whole line (RUN output may arrive in any chunks). */
function hasLine(log: string | readonly string[], line: string): boolean {
  const text = typeof log === "string" ? log : log.join("");
  return text.split("\n").includes(line);
}

/** The lines `ls -a` printed for a folder in the log: one name per line. */
function listed(text: string): Set<string> {
  return new Set(text.split("\n").map((line) => line.trim()));
}

Deno.test("build() applies .dockerignore with Docker semantics, labels the image, logs RUN output", async () => {
  await using podman = connect();
  const tag = `localhost/${uniqueName("podrx-build")}:1`;
  const dir = await makeContext({
    "Dockerfile": `${FROM}LABEL from.dockerfile=yes\nCOPY . /ctx/\n` +
      `RUN ${keptOutput("ls -a /ctx /ctx/secret /ctx/src /ctx/src/deep")}\n`,
    ".dockerignore": "# build outputs\n*.log\nsecret\n!secret/keep.txt\n**/*.tmp\nDockerfile\n",
    "a.txt": "a",
    "app.log": "log",
    "secret/hidden.txt": "hidden",
    "secret/keep.txt": "kept",
    "src/main.txt": "main",
    "src/x.tmp": "tmp",
    "src/deep/y.tmp": "tmp",
    "src/deep/z.txt": "z",
  });
  try {
    const { text, image } = await build(podman.images.build({
      path: dir,
      tag,
      labels: { "podrx.option": "from-labels-option" },
    }));
    assert.ok(image instanceof Image);
    assert.deepEqual(image.tags, [tag]);
    assert.equal(image.labels["from.dockerfile"], "yes");
    assert.equal(image.labels["podrx.option"], "from-labels-option");
    const names = listed(text);
    for (const kept of ["a.txt", "keep.txt", "main.txt", "z.txt", ".dockerignore"]) {
      assert.ok(names.has(kept), `${kept} is in the image`);
    }
    for (const ignored of ["app.log", "hidden.txt", "x.tmp", "y.tmp", "Dockerfile"]) {
      assert.ok(!names.has(ignored), `${ignored} is not in the image`);
    }
    // The id is the server's last line.
    assert.match(image.id, /^[0-9a-f]{64}$/);
    assert.ok(text.endsWith(`${image.id}\n`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build() runs RUN steps through the libpod endpoint", async () => {
  const { podman, sent } = recordingClient();
  try {
    const marker = crypto.randomUUID();
    const { lines } = await build(
      podman.images.build({ fileobj: `${FROM}RUN ${keptOutput(`echo run-${marker}`)}\n` }),
    );
    assert.ok(hasLine(lines, `run-${marker}`));
    const request = sent.find((request) => request.url.includes("/build"));
    assert.equal(request?.method, "POST");
    assert.match(request!.url, /^http:\/\/libpod\/v[\d.]+\/libpod\/build\?/);
  } finally {
    await podman.close();
  }
});

Deno.test("build() twice reuses the cache and the id; nocache makes a new image", async () => {
  await using podman = connect();
  const dir = await makeContext({
    "Containerfile": `${FROM}COPY data.txt /data.txt\nRUN echo cache-step-${crypto.randomUUID()}\n`,
    "data.txt": "data",
  });
  try {
    const events = podman.images.build({ path: dir });
    const first = await build(events);
    assert.ok(!first.text.includes("Using cache"));
    // The same Observable again: cold, so it packs and uploads the context again.
    const second = await build(events);
    assert.match(second.text, /Using cache/);
    assert.equal(second.image.id, first.image.id);
    const fresh = await build(podman.images.build({ path: dir, nocache: true }));
    assert.ok(!fresh.text.includes("Using cache"));
    assert.notEqual(fresh.image.id, first.image.id);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build() of a failing RUN errors with BuildError carrying the log and Podman's message", async () => {
  await using podman = connect();
  const emitted: string[] = [];
  const run = `RUN ${keptOutput("echo step-output")} && exit 3`;
  const error = await failure(
    podman.images.build({ fileobj: `${FROM}${run}\n`, tag: "localhost/podrx-build-fails:1" })
      .pipe(tap((event) => event.type === "log" && emitted.push(event.line))),
  );
  assert.ok(error instanceof BuildError, String(error));
  // Every line emitted before the failure, in order, and nothing else.
  assert.deepEqual(error.buildLog, emitted);
  assert.ok(hasLine(error.buildLog, "step-output"));
  assert.equal(
    error.message,
    `Cannot build image "localhost/podrx-build-fails:1": building at STEP "${run}": exit status 3`,
  );
});

Deno.test("build() emits log lines live, as the server writes them", async () => {
  await using podman = connect();
  const stamps: { line: string; at: number }[] = [];
  const completed = Promise.withResolvers<number>();
  podman.images.build({
    fileobj: `${FROM}RUN ${keptOutput("echo one && sleep 2 && echo two")}\n`,
    nocache: true,
  })
    .subscribe({
      next: (event) => {
        if (event.type === "log") stamps.push({ line: event.line, at: performance.now() });
      },
      error: completed.reject,
      complete: () => completed.resolve(performance.now()),
    });
  const end = await completed.promise;
  const one = stamps.find((stamp) => hasLine(stamp.line, "one"));
  const two = stamps.find((stamp) => hasLine(stamp.line, "two"));
  assert.ok(one && two, "both lines arrived");
  assert.ok(end - one.at >= 1000, `"one" came ${end - one.at} ms before the end`);
  assert.ok(two.at - one.at >= 1000, `"two" came ${two.at - one.at} ms after "one"`);
});

Deno.test("build() takes a Dockerfile from outside the context without touching the context", async () => {
  await using podman = connect();
  const dir = await makeContext({ "inside.txt": "inside" });
  const elsewhere = await makeContext({
    "Build.containerfile": `${FROM}LABEL which=outside\nCOPY . /ctx/\nRUN ${
      keptOutput("ls -a /ctx")
    }\n`,
  });
  try {
    const { text, image } = await build(
      podman.images.build({ path: dir, dockerfile: `${elsewhere}/Build.containerfile` }),
    );
    assert.equal(image.labels.which, "outside");
    const names = listed(text);
    assert.ok(names.has("inside.txt"));
    // The Dockerfile travelled under a private name that COPY does not see.
    assert.ok(![...names].some((name) => name.startsWith(".podrx-dockerfile")), text);
    assert.deepEqual(await listDir(dir), ["inside.txt"]);
    assert.deepEqual(await listDir(elsewhere), ["Build.containerfile"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("build() without dockerfile uses Containerfile, else Dockerfile", async () => {
  await using podman = connect();
  const dir = await makeContext({
    "Containerfile": `FROM ${bed.labeledImage}\nLABEL which=containerfile\n`,
    "Dockerfile": `FROM ${bed.labeledImage}\nLABEL which=dockerfile\n`,
  });
  try {
    assert.equal(
      (await build(podman.images.build({ path: dir }))).image.labels.which,
      "containerfile",
    );
    await Deno.remove(`${dir}/Containerfile`);
    assert.equal(
      (await build(podman.images.build({ path: dir }))).image.labels.which,
      "dockerfile",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build() of a context without a Dockerfile fails before anything is sent", async () => {
  const { podman, sent } = recordingClient();
  const dir = await makeContext({ "notes.txt": "no dockerfile here" });
  try {
    const error = await failure(podman.images.build({ path: dir }));
    assert.ok(error instanceof PodmanError && !(error instanceof APIError), String(error));
    assert.equal(
      error.message,
      `Cannot build image: there is no Containerfile or Dockerfile in "${dir}"; ` +
        "name one with the dockerfile option",
    );
    const named = await failure(podman.images.build({ path: dir, dockerfile: "Missing" }));
    assert.ok(named instanceof PodmanError);
    assert.equal(
      named.message,
      `Cannot build image: the Dockerfile "${dir}/Missing" does not exist`,
    );
    assert.deepEqual(sent, [], "not even a ping was sent");
  } finally {
    await podman.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build() of a path that does not exist, or is a file, fails before anything is sent", async () => {
  const { podman, sent } = recordingClient();
  const dir = await makeContext({ "Dockerfile": FROM });
  try {
    const missing = await failure(podman.images.build({ path: `${dir}/absent` }));
    assert.ok(missing instanceof PodmanError);
    assert.equal(
      missing.message,
      `Cannot build image: the context directory "${dir}/absent" does not exist`,
    );
    const file = await failure(podman.images.build({ path: `${dir}/Dockerfile` }));
    assert.ok(file instanceof PodmanError);
    assert.equal(
      file.message,
      `Cannot build image: the context "${dir}/Dockerfile" is not a directory`,
    );
    assert.deepEqual(sent, [], "not even a ping was sent");
  } finally {
    await podman.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build() archives a symlink as a link, never following it out of the context", async () => {
  await using podman = connect();
  const secret = crypto.randomUUID();
  const outside = await makeContext({ "secret.txt": `host-secret-${secret}\n` });
  const dir = await makeContext({
    "Dockerfile": `${FROM}COPY . /ctx/\nRUN ${
      keptOutput("ls -l /ctx/link; cat /ctx/link || echo cat-failed")
    }\n`,
  });
  try {
    await Deno.symlink(`${outside}/secret.txt`, `${dir}/link`);
    const { text } = await build(podman.images.build({ path: dir }));
    assert.match(text, new RegExp(`link -> ${outside}/secret\\.txt`));
    assert.ok(text.includes("cat-failed\n"));
    assert.ok(!text.includes(secret), "the target's content never left the host");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("build() skips a FIFO in the context instead of hanging on it", async () => {
  await using podman = connect();
  const dir = await makeContext({
    "Dockerfile": `${FROM}COPY . /ctx/\nRUN ${keptOutput("ls -a /ctx")}\n`,
    "plain.txt": "plain",
  });
  try {
    const fifo = await new Deno.Command("mkfifo", { args: [`${dir}/pipe`] }).output();
    assert.ok(fifo.success, "mkfifo failed");
    const { text } = await build(podman.images.build({ path: dir, timeout: 60_000 }));
    const names = listed(text);
    assert.ok(names.has("plain.txt"));
    assert.ok(!names.has("pipe"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build() from fileobj text, bytes and a stream", async () => {
  await using podman = connect();
  const marker = crypto.randomUUID();
  const text = `${FROM}LABEL marker=${marker}\nRUN ${keptOutput(`echo fileobj-${marker}`)}\n`;
  for (
    const fileobj of [text, new TextEncoder().encode(text), new Blob([text]).stream()]
  ) {
    const { lines, image } = await build(podman.images.build({ fileobj }));
    assert.equal(image.labels.marker, marker);
    // The first build runs the step; the others may take it from the cache.
    assert.ok(
      hasLine(lines, `fileobj-${marker}`) || lines.some((l) => l.includes("Using cache")),
    );
  }
  const named = await build(
    podman.images.build({ fileobj: text, dockerfile: "build/Containerfile" }),
  );
  assert.equal(named.image.labels.marker, marker);
});

Deno.test("build() sends a customContext tar as it is, from bytes or a stream", async () => {
  await using podman = connect();
  const marker = crypto.randomUUID();
  function tar(): ReadableStream<Uint8Array> {
    const writer = createTarWriter();
    const files = {
      "docker/Build.file": `${FROM}COPY data.txt /data.txt\nRUN ${keptOutput("cat /data.txt")}\n`,
      "data.txt": `custom-${marker}\n`,
    };
    (async () => {
      for (const [name, content] of Object.entries(files)) {
        const bytes = new TextEncoder().encode(content);
        await writer.add({ name, size: bytes.byteLength }, bytes);
      }
      writer.finalize();
    })();
    return writer.readable;
  }
  const stream = tar();
  const events = podman.images.build({ customContext: stream, dockerfile: "docker/Build.file" });
  const { lines } = await build(events);
  assert.ok(hasLine(lines, `custom-${marker}`));
  // A stream feeds one request; a second subscription says so instead of hanging.
  const reused = await failure(events);
  assert.ok(reused instanceof PodmanError);
  assert.match(reused.message, /customContext stream was already used/);

  const bytes = await new Response(tar()).bytes();
  const again = await build(
    podman.images.build({ customContext: bytes, dockerfile: "docker/Build.file", nocache: true }),
  );
  assert.ok(hasLine(again.lines, `custom-${marker}`));
});

Deno.test("build() with encoding gzip compresses the context on the wire", async () => {
  const { podman, sent } = recordingClient();
  const marker = crypto.randomUUID();
  const dir = await makeContext({
    "Dockerfile": `${FROM}COPY data.txt /data.txt\nRUN ${keptOutput("cat /data.txt")}\n`,
    "data.txt": `gzipped-${marker}\n`,
  });
  try {
    const { lines } = await build(podman.images.build({ path: dir, encoding: "gzip" }));
    assert.ok(hasLine(lines, `gzipped-${marker}`));
    const head = sent.find((request) => request.url.includes("/build"))?.head;
    assert.deepEqual([...head!.subarray(0, 2)], [0x1f, 0x8b]);
  } finally {
    await podman.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build() with a tag array gives the image every tag", async () => {
  await using podman = connect();
  const repository = `localhost/${uniqueName("podrx-tags")}`;
  const { image } = await build(
    podman.images.build({
      // A new layer, so the tags land on a new image and not on the base.
      fileobj: `FROM ${bed.labeledImage}\nLABEL tags=${repository}\n`,
      tag: [`${repository}:a`, `${repository}:b`],
    }),
  );
  assert.deepEqual(image.tags.toSorted(), [`${repository}:a`, `${repository}:b`]);
});

Deno.test("build() passes extraHosts as the array Podman parses, and buildargs", async () => {
  await using podman = connect();
  const { lines, text } = await build(podman.images.build({
    fileobj: `${FROM}ARG GREETING\nRUN ${
      keptOutput('echo "greeting=$GREETING" && cat /etc/hosts')
    }\n`,
    buildargs: { GREETING: "hello-arg" },
    extraHosts: { "podrx-host": "10.1.2.3" },
    nocache: true,
  }));
  assert.ok(hasLine(lines, "greeting=hello-arg"));
  assert.match(text, /^10\.1\.2\.3\tpodrx-host$/m);
});

Deno.test("build() sends secrets from the context for RUN --mount=type=secret", async () => {
  await using podman = connect();
  const value = `secret-${crypto.randomUUID()}`;
  const dir = await makeContext({
    "Dockerfile": `${FROM}RUN --mount=type=secret,id=token ${
      keptOutput("cat /run/secrets/token")
    }\n`,
    "token.txt": value,
  });
  try {
    const { text } = await build(
      podman.images.build({ path: dir, secrets: ["id=token,src=token.txt"], nocache: true }),
    );
    assert.ok(text.includes(value));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build() with pull: true makes libpod pull the base image (sent as pullpolicy)", async () => {
  await using podman = connect();
  // The seeded base image exists only locally, so a forced pull must try, and fail.
  const error = await failure(
    podman.images.build({ fileobj: `${FROM}RUN echo never\n`, pull: true }),
  );
  assert.ok(error instanceof BuildError, String(error));
  assert.ok(error.buildLog.some((line) => line.startsWith("Trying to pull")));
  assert.match(error.message, /^Cannot build image: .*localhost\/podrx-test\/busybox/);
});

Deno.test("build() with policy always pulls the base image, as pull() names the policy", async () => {
  await using podman = connect();
  const error = await failure(
    podman.images.build({ fileobj: `${FROM}RUN echo never\n`, policy: "always" }),
  );
  assert.ok(error instanceof BuildError, String(error));
  assert.ok(error.buildLog.some((line) => line.startsWith("Trying to pull")));
  // The default (missing) takes the local base image without a pull.
  const { lines } = await build(podman.images.build({ fileobj: `${FROM}LABEL policy=missing\n` }));
  assert.ok(!lines.some((line) => line.startsWith("Trying to pull")));
});

Deno.test("build() with quiet logs only the image id", async () => {
  await using podman = connect();
  const { lines, image } = await build(
    podman.images.build({ fileobj: `FROM ${bed.labeledImage}\nLABEL quiet=yes\n`, quiet: true }),
  );
  assert.deepEqual(lines, [`${image.id}\n`]);
});

Deno.test("build() accepts networkMode none and host", async () => {
  await using podman = connect();
  for (const networkMode of ["none", "host"]) {
    const { image } = await build(
      podman.images.build({ fileobj: `${FROM}RUN echo net\n`, networkMode }),
    );
    assert.match(image.id, /^[0-9a-f]{64}$/);
  }
});

Deno.test("build() refused before the stream errors with APIError, not BuildError", async () => {
  await using podman = connect();
  const error = await failure(
    podman.images.build({ fileobj: `${FROM}RUN echo x\n`, isolation: "bogus" }),
  );
  assert.ok(error instanceof APIError && !(error instanceof BuildError), String(error));
  assert.equal(error.status, 500);
  assert.equal(
    error.message,
    'Cannot build image: failed to parse isolation: unrecognized isolation type "bogus" (500)',
  );
});

Deno.test("build() sends cacheFrom in the form the server's version reads", async () => {
  const { podman, sent } = recordingClient();
  try {
    const version = await podman.apiVersion();
    const [major = 0, minor = 0] = version.split(".").map(Number);
    const caches = [`${bed.registry}/podrx-cache-a`, `${bed.registry}/podrx-cache-b`];
    const events = podman.images.build({ fileobj: `${FROM}RUN echo cached\n`, cacheFrom: caches });
    if (major > 4 || (major === 4 && minor >= 4)) {
      // A JSON array; caches that do not exist are misses, not errors.
      await build(events);
      const url = new URL(sent.find((request) => request.url.includes("/build"))!.url);
      assert.deepEqual(JSON.parse(url.searchParams.get("cachefrom")!), caches);
    } else {
      // Podman 4.3 reads one plain name: two cannot be sent.
      const error = await failure(events);
      assert.ok(error instanceof PodmanError);
      assert.equal(
        error.message,
        `Cannot build image: Podman ${version} takes a single cacheFrom image, got 2`,
      );
      assert.ok(!sent.some((request) => request.url.includes("/build")));
    }
  } finally {
    await podman.close();
  }
});

Deno.test("build() rejects inconsistent options (TypeError) and values out of range (RangeError) on subscribe", async () => {
  await using podman = connect();
  const bad: [BuildOptions, typeof TypeError | typeof RangeError, RegExp][] = [
    [{}, TypeError, /give one of path, fileobj or customContext/],
    [{ path: "/tmp", fileobj: FROM }, TypeError, /give only one of .*got path, fileobj/],
    [{ customContext: new Uint8Array(1024) }, TypeError, /customContext needs dockerfile/],
    [{ fileobj: FROM, dockerfile: "../Dockerfile" }, RangeError, /leaves it/],
    [{ fileobj: FROM, encoding: "br" as "gzip" }, RangeError, /encoding must be one of "gzip"/],
    [{ fileobj: FROM, tag: "Bad Name" }, RangeError, /^Cannot build image "Bad Name": /],
  ];
  for (const [options, expected, message] of bad) {
    const building = podman.images.build(options); // calling never throws
    await assert.rejects(lastValueFrom(building), (error: unknown) => {
      assert.equal((error as Error).constructor, expected);
      assert.match((error as Error).message, message);
      return true;
    });
  }
});

Deno.test("build() unsubscribed during a RUN step is abandoned: Podman sees the client go and no image is tagged", async () => {
  await using podman = connect();
  const tag = `localhost/${uniqueName("podrx-abandoned")}:1`;
  const marker = `after-sleep-${crypto.randomUUID()}`;
  // The service's log, next to its socket: what it holds before this build is not evidence.
  const serviceLog = bed.serviceLog;
  const logStart = (await Deno.readTextFile(serviceLog)).length;
  const sleeping = Promise.withResolvers<void>();
  let settled = false;
  const subscription = podman.images.build({
    fileobj: `${FROM}RUN echo before-sleep && sleep 5 && echo ${marker}\n`,
    tag,
    nocache: true,
  }).subscribe({
    next: (event) => {
      if (event.type === "log" && hasLine(event.line, "before-sleep")) sleeping.resolve();
    },
    error: (error) => {
      settled = true;
      sleeping.reject(error);
    },
    complete: () => {
      settled = true;
    },
  });
  await sleeping.promise;
  assert.ok((await processesNaming(marker)).length > 0, "the RUN step runs as a host process");
  subscription.unsubscribe();
  // Podman's build handler logs this when the request's context ends, and cancels the build.
  await waitUntil(
    async () =>
      (await Deno.readTextFile(serviceLog)).slice(logStart).includes(
        "Client disconnect reported for build",
      ),
    10_000,
    () => `${serviceLog} does not report the client's disconnect`,
  );
  // Podman lets the running step finish; once it has, a build that went on would commit.
  await waitUntil(
    async () => (await processesNaming(marker)).length === 0,
    30_000,
    () => "the RUN step is still running",
  );
  assert.equal(settled, false);
  assert.equal(await lastValueFrom(podman.images.exists(tag)), false);
});

/** Waits (up to 30 s) until the build request has passed `bytes` of its body on. */
async function uploadUnderWay(sent: readonly Sent[], bytes: number): Promise<Sent> {
  const find = (): Sent | undefined => sent.find((request) => request.url.includes("/build"));
  await waitUntil(
    () => (find()?.forwarded ?? 0) >= bytes,
    30_000,
    () => `the upload did not pass ${bytes} bytes (${find()?.forwarded ?? "no request"})`,
  );
  return find()!;
}

Deno.test("build() unsubscribed during the upload stops reading the context", async () => {
  // The throttle keeps the upload of a big (sparse) file in flight long enough to cancel it.
  const { podman, sent } = recordingClient(20);
  const dir = await makeContext({ "Dockerfile": `${FROM}COPY . /ctx/\n` });
  try {
    const big = await Deno.open(`${dir}/big.bin`, { create: true, write: true });
    await big.truncate(1024 * 1024 * 1024);
    big.close();
    let settled = false;
    const subscription = podman.images.build({ path: dir }).subscribe({
      error: () => settled = true,
      complete: () => settled = true,
    });
    const upload = await uploadUnderWay(sent, 4 * 1024 * 1024);
    assert.equal(await descriptorsOn(`${dir}/big.bin`), 1, "the packer reads the big file");
    subscription.unsubscribe();
    // The packer closes the file just after the abort (the sanitizers check it, too).
    await waitUntil(
      async () => (await descriptorsOn(`${dir}/big.bin`)) === 0,
      5_000,
      () => "the big file is still open",
    );
    const stopped = upload.forwarded;
    assert.ok(stopped < 64 * 1024 * 1024, `${stopped} bytes of 1 GiB were sent`);
    assert.equal(settled, false);
  } finally {
    await podman.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build() whose context file shrinks during the upload fails with the packer's reason", async () => {
  const { podman, sent } = recordingClient(20);
  const dir = await makeContext({ "Dockerfile": `${FROM}COPY . /ctx/\n` });
  try {
    const path = `${dir}/big.bin`;
    const big = await Deno.open(path, { create: true, write: true });
    await big.truncate(32 * 1024 * 1024);
    big.close();
    const outcome = lastValueFrom(podman.images.build({ path: dir })).then(
      () => assert.fail("the build succeeded"),
      (error: unknown) => error,
    );
    // Shrink it mid-upload: well past the new size, far from the end.
    await uploadUnderWay(sent, 2 * 1024 * 1024);
    await Deno.truncate(path, 1024 * 1024);
    const error = await outcome;
    assert.ok(error instanceof PodmanError && !(error instanceof APIError), String(error));
    assert.match(
      error.message,
      new RegExp(
        `^Cannot build image: "${path}" changed while it was sent \\(\\d+ bytes instead of 33554432\\)$`,
      ),
    );
  } finally {
    await podman.close();
    await Deno.remove(dir, { recursive: true });
  }
});
