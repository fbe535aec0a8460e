// The build context packer and Docker's ignore semantics, without a server.
import assert from "node:assert/strict";
import { lastValueFrom, tap } from "rxjs";
import {
  BuildError,
  type BuildEvent,
  ConnectionError,
  PodmanClient,
  PodmanError,
  type Transport,
} from "../../mod.ts";
import { toSearchParams } from "../../src/client/query.ts";
import { buildQuery, DEFAULT_OUTPUT_FORMAT } from "../../src/images/operations/building/_params.ts";
import { ContextIgnore } from "../../src/images/operations/building/_ignore.ts";
import {
  locateContext,
  packDirectory,
  packDockerfile,
  unlikeInPlace,
} from "../../src/images/operations/building/_context.ts";
import { createTarWriter } from "../../src/tar/writer.ts";
import { readTarEntries } from "../tar/_reader.ts";

const ACTION = "Cannot build image";

/** [patterns, path, excluded?] — the cases of Docker's `.dockerignore` documentation and more. */
const IGNORE_CASES: readonly [string, string, boolean][] = [
  // `*` stays within one path component; patterns anchor at the context root.
  ["*/temp*", "somedir/temporary.txt", true],
  ["*/temp*", "somedir/temp", true],
  ["*/temp*", "temp.txt", false],
  ["*/temp*", "a/b/temp.txt", false],
  ["*/*/temp*", "somedir/subdir/temporary.txt", true],
  ["*/*/temp*", "somedir/temporary.txt", false],
  ["temp?", "tempa", true],
  ["temp?", "temp12", false],
  ["*.md", "docs/a.md", false],
  // `**` spans any number of directories, none included.
  ["**/*.go", "main.go", true],
  ["**/*.go", "a/b/c/main.go", true],
  ["**/*.go", "a/b/main.js", false],
  ["a/**/z", "a/z", true],
  ["a/**/z", "a/b/c/z", true],
  // A matched directory excludes everything below it.
  ["build", "build/out/app.bin", true],
  ["a/b", "a/b/c/d", true],
  // Leading `/` and trailing `/` are cleaned away.
  ["/foo", "foo", true],
  ["/foo", "bar/foo", false],
  ["logs/", "logs", true],
  ["logs/", "logs/today.txt", true],
  ["./x/../y", "y", true],
  // Comments and blank lines are not patterns; `\#` matches a literal `#`.
  ["# foo", "# foo", false],
  ["#foo\n\n", "#foo", false],
  ["\\#foo", "#foo", true],
  // Docker matches case-sensitively.
  ["Secret", "secret", false],
  ["Secret", "Secret", true],
  // `!` exceptions; the last matching line wins.
  ["*.md\n!README.md", "README.md", false],
  ["*.md\n!README.md", "CHANGES.md", true],
  ["*.md\n!README*.md\nREADME-secret.md", "README-secret.md", true],
  ["*.md\n!README*.md\nREADME-secret.md", "README-public.md", false],
  ["*.md\nREADME-secret.md\n!README*.md", "README-secret.md", false],
  ["dir\n!dir/keep.txt", "dir/keep.txt", false],
  ["dir\n!dir/keep.txt", "dir/other.txt", true],
  ["dir\n!dir/keep.txt", "dir", true],
  ["*\n!src", "src/main.ts", false],
  ["*\n!src", "docs/a.md", true],
];

for (const [patterns, path, excluded] of IGNORE_CASES) {
  const shown = patterns.replaceAll("\n", " ⏎ ");
  Deno.test(`ContextIgnore.excludes() "${shown}" ${excluded ? "excludes" : "keeps"} ${path}`, () => {
    assert.equal(new ContextIgnore(patterns).excludes(path), excluded);
  });
}

/** [patterns, excluded directory, must it be walked?] */
const DESCEND_CASES: readonly [string, string, boolean][] = [
  ["dir", "dir", false],
  ["dir\n!dir/keep.txt", "dir", true],
  ["dir\n!dir/sub/keep.txt", "dir/sub", true],
  ["dir\n!other/keep.txt", "dir", false],
  ["dir\n!*/keep.txt", "dir", true],
  ["dir\n!**/keep.txt", "dir", true],
  ["dir\n!d?r/keep.txt", "dir", true],
  ["dir\n!x?r/keep.txt", "dir", false],
  ["a\n!a/b/c", "a/b", true],
  ["a\n!a/b/c", "a/x", false],
  ["*\n!/src/", "src", true],
  ["dir\n/!dir/keep", "dir", true],
];

for (const [patterns, dir, descend] of DESCEND_CASES) {
  const shown = patterns.replaceAll("\n", " ⏎ ");
  Deno.test(`ContextIgnore.mustDescend() "${shown}" ${descend ? "walks" : "skips"} ${dir}`, () => {
    assert.equal(new ContextIgnore(patterns).mustDescend(dir), descend);
  });
}

Deno.test("ContextIgnore keeps the paths it is told to, even when excluded", () => {
  const filter = new ContextIgnore("*\nsub\n", [
    "Dockerfile",
    ".dockerignore",
    "sub/Containerfile",
  ]);
  assert.equal(filter.excludes("Dockerfile"), false);
  assert.equal(filter.excludes(".dockerignore"), false);
  assert.equal(filter.excludes("sub/Containerfile"), false);
  assert.equal(filter.excludes("other"), true);
  assert.equal(filter.mustDescend("sub"), true);
});

async function makeContext(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-context-test-" });
  for (const [name, content] of Object.entries(files)) {
    const slash = name.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(`${dir}/${name.slice(0, slash)}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${name}`, content);
  }
  return dir;
}

async function packed(path: string, dockerfile?: string) {
  const context = await packDirectory(path, dockerfile, ACTION, new AbortController().signal);
  const entries = await readTarEntries(context.body);
  return { context, entries, names: entries.map((entry) => entry.name) };
}

Deno.test("packDirectory() applies .dockerignore, keeps Dockerfile and ignore file, sorts", async () => {
  const dir = await makeContext({
    "Dockerfile": "FROM scratch\n",
    ".dockerignore": "*.log\nsecret/\n!secret/public.txt\n**/*.tmp\nDockerfile\n.dockerignore\n",
    "b.txt": "b",
    "a.txt": "a",
    "app.log": "log",
    "secret/key.pem": "key",
    "secret/public.txt": "public",
    "src/x.tmp": "tmp",
    "src/deep/y.tmp": "tmp",
    "src/main.ts": "main",
  });
  try {
    const { context, entries, names } = await packed(dir);
    assert.deepEqual(names, [
      ".dockerignore",
      "Dockerfile",
      "a.txt",
      "b.txt",
      "secret/public.txt",
      "src/",
      "src/deep/",
      "src/main.ts",
    ]);
    assert.equal(context.dockerfile, "Dockerfile");
    assert.deepEqual(context.excludes, [
      "*.log",
      "secret/",
      "!secret/public.txt",
      "**/*.tmp",
      "Dockerfile",
      ".dockerignore",
    ]);
    const main = entries.find((entry) => entry.name === "src/main.ts")!;
    assert.equal(new TextDecoder().decode(main.data), "main");
    assert.equal(main.uid, 0);
    assert.equal(main.gid, 0);
    const stat = await Deno.stat(`${dir}/src/main.ts`);
    assert.equal(main.mode, stat.mode! & 0o7777);
    assert.equal(main.mtime.getTime(), Math.floor(stat.mtime!.getTime() / 1000) * 1000);
    assert.equal(entries.find((entry) => entry.name === "src/")!.type, "directory");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("packDirectory() prefers .containerignore to .dockerignore", async () => {
  const dir = await makeContext({
    "Dockerfile": "FROM scratch\n",
    ".containerignore": "a.txt\n",
    ".dockerignore": "b.txt\n",
    "a.txt": "a",
    "b.txt": "b",
  });
  try {
    const { names } = await packed(dir);
    assert.deepEqual(names, [".containerignore", ".dockerignore", "Dockerfile", "b.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("packDirectory() archives symlinks as links and skips FIFOs", async () => {
  const dir = await makeContext({ "Dockerfile": "FROM scratch\n" });
  try {
    await Deno.symlink("/etc/passwd", `${dir}/passwd-link`);
    await Deno.symlink("/etc", `${dir}/etc-link`);
    const fifo = await new Deno.Command("mkfifo", { args: [`${dir}/pipe`] }).output();
    assert.ok(fifo.success, "mkfifo failed");
    const { entries, names } = await packed(dir);
    assert.deepEqual(names, ["Dockerfile", "etc-link", "passwd-link"]);
    const link = entries.find((entry) => entry.name === "passwd-link")!;
    assert.equal(link.type, "symlink");
    assert.equal(link.linkname, "/etc/passwd");
    assert.equal(link.size, 0);
    assert.equal(entries.find((entry) => entry.name === "etc-link")!.type, "symlink");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("packDirectory() leaves out other operations' probe files", async () => {
  const dir = await makeContext({
    "Dockerfile": "FROM scratch\n",
    ".podrx-probe-1234.tar": "probe",
    "sub/.podrx-probe-5678.tar": "probe",
    "sub/kept.txt": "kept",
  });
  try {
    const { names } = await packed(dir);
    assert.deepEqual(names, ["Dockerfile", "sub/", "sub/kept.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("unlikeInPlace() names a FIFO or a second name of a file, unless excluded", async () => {
  const dir = await makeContext({
    "Dockerfile": "FROM scratch\n",
    ".dockerignore": "ignored\n",
    "a.txt": "a",
    "ignored/x.txt": "x",
  });
  const unlike = async () => await unlikeInPlace(await locateContext(dir, undefined, ACTION));
  try {
    await Deno.symlink("a.txt", `${dir}/link`);
    assert.equal(await unlike(), undefined, "symlinks are sent as links either way");
    await Deno.link(`${dir}/a.txt`, `${dir}/ignored/b.txt`);
    assert.equal(await unlike(), undefined, "the other name is excluded");
    await Deno.link(`${dir}/a.txt`, `${dir}/c.txt`);
    assert.equal(await unlike(), "c.txt");
    await Deno.remove(`${dir}/c.txt`);
    const fifo = await new Deno.Command("mkfifo", { args: [`${dir}/ignored/pipe`] }).output();
    assert.ok(fifo.success, "mkfifo failed");
    assert.equal(await unlike(), undefined, "the FIFO is excluded");
    await Deno.rename(`${dir}/ignored/pipe`, `${dir}/pipe`);
    assert.equal(await unlike(), "pipe");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("packDirectory() picks Containerfile before Dockerfile", async () => {
  const dir = await makeContext({ "Containerfile": "FROM a\n", "Dockerfile": "FROM b\n" });
  try {
    const { context } = await packed(dir);
    assert.equal(context.dockerfile, "Containerfile");
    await Deno.remove(`${dir}/Containerfile`);
    assert.equal((await packed(dir)).context.dockerfile, "Dockerfile");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("packDirectory() sends a Dockerfile from outside under a private, excluded name", async () => {
  const dir = await makeContext({ "a.txt": "a", ".dockerignore": "b.txt\n" });
  const outside = await makeContext({ "Build.dockerfile": "FROM scratch\nLABEL x=1\n" });
  try {
    const { context, entries, names } = await packed(dir, `${outside}/Build.dockerfile`);
    assert.match(context.dockerfile, /^\.podrx-dockerfile-[0-9a-f]{20}$/);
    assert.deepEqual(names, [".dockerignore", "a.txt", context.dockerfile]);
    assert.deepEqual(context.excludes, ["b.txt", context.dockerfile]);
    const sent = entries.find((entry) => entry.name === context.dockerfile)!;
    assert.equal(new TextDecoder().decode(sent.data), "FROM scratch\nLABEL x=1\n");
    // Nothing was written into either folder.
    const listing = [];
    for await (const entry of Deno.readDir(dir)) listing.push(entry.name);
    assert.deepEqual(listing.sort(), [".dockerignore", "a.txt"]);
    // A relative path that leaves the context is outside too.
    const relative = `../${outside.split("/").at(-1)}/Build.dockerfile`;
    assert.match((await packed(dir, relative)).context.dockerfile, /^\.podrx-dockerfile-/);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("packDirectory() keeps a Dockerfile in an excluded folder", async () => {
  const dir = await makeContext({
    "build/Containerfile": "FROM scratch\n",
    "build/other.txt": "x",
    ".dockerignore": "build\n",
  });
  try {
    const { context, names } = await packed(dir, "build/Containerfile");
    assert.equal(context.dockerfile, "build/Containerfile");
    assert.deepEqual(names, [".dockerignore", "build/Containerfile"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("packDirectory() fails with PodmanError naming a missing path, a file, a missing Dockerfile", async () => {
  const dir = await makeContext({ "notes.txt": "x" });
  const signal = new AbortController().signal;
  try {
    await assert.rejects(
      packDirectory(`${dir}/absent`, undefined, ACTION, signal),
      (error: unknown) =>
        error instanceof PodmanError &&
        error.message === `${ACTION}: the context directory "${dir}/absent" does not exist`,
    );
    await assert.rejects(
      packDirectory(`${dir}/notes.txt`, undefined, ACTION, signal),
      (error: unknown) =>
        error instanceof PodmanError && error.message.includes(`"${dir}/notes.txt" is not a`),
    );
    await assert.rejects(
      packDirectory(dir, undefined, ACTION, signal),
      (error: unknown) =>
        error instanceof PodmanError &&
        error.message.includes(`no Containerfile or Dockerfile in "${dir}"`),
    );
    await assert.rejects(
      packDirectory(dir, "Nope.dockerfile", ACTION, signal),
      (error: unknown) =>
        error instanceof PodmanError &&
        error.message === `${ACTION}: the Dockerfile "${dir}/Nope.dockerfile" does not exist`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("packDirectory() stops reading and closes the file when the stream is cancelled", async () => {
  const dir = await makeContext({ "Dockerfile": "FROM scratch\n" });
  try {
    // Far more than the tar writer buffers, so the packer is mid-file when cancelled.
    const big = await Deno.open(`${dir}/big.bin`, { create: true, write: true });
    await big.truncate(256 * 1024 * 1024);
    big.close();
    const context = await packDirectory(dir, undefined, ACTION, new AbortController().signal);
    const reader = context.body.getReader();
    let received = 0;
    while (received < 1024 * 1024) received += (await reader.read()).value!.byteLength;
    const started = performance.now();
    await reader.cancel();
    assert.ok(performance.now() - started < 1000);
    assert.equal(context.failure(), undefined);
    // The sanitizers fail this test if the big file were still open.
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Whether this process holds a file descriptor on `path`. */
async function isOpen(path: string): Promise<boolean> {
  for await (const entry of Deno.readDir("/proc/self/fd")) {
    if (await Deno.readLink(`/proc/self/fd/${entry.name}`).catch(() => "") === path) return true;
  }
  return false;
}

Deno.test("packDirectory() stops when its signal aborts", async () => {
  const dir = await makeContext({ "Dockerfile": "FROM scratch\n" });
  try {
    const big = await Deno.open(`${dir}/big.bin`, { create: true, write: true });
    await big.truncate(256 * 1024 * 1024);
    big.close();
    const abort = new AbortController();
    const context = await packDirectory(dir, undefined, ACTION, abort.signal);
    const reader = context.body.getReader();
    await reader.read();
    abort.abort(new Error("stop"));
    await assert.rejects(async () => {
      while (!(await reader.read()).done) { /* drain what was buffered */ }
    });
    await reader.cancel().catch(() => {});
    // The packer's pipe closes the file just after; wait for it before the sanitizers look.
    const deadline = Date.now() + 5_000;
    while (await isOpen(`${dir}/big.bin`)) {
      assert.ok(Date.now() < deadline, "the big file is still open");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("packDirectory() fails with PodmanError when a file shrinks while it is sent", async () => {
  const dir = await makeContext({ "Dockerfile": "FROM scratch\n" });
  try {
    const path = `${dir}/big.bin`;
    const big = await Deno.open(path, { create: true, write: true });
    await big.truncate(32 * 1024 * 1024);
    big.close();
    const context = await packDirectory(dir, undefined, ACTION, new AbortController().signal);
    const reader = context.body.getReader();
    let received = 0;
    while (received < 1024 * 1024) received += (await reader.read()).value!.byteLength;
    // The packer is now mid-file (the tar writer buffers 8 MiB), the size in the header.
    await Deno.truncate(path, 16 * 1024 * 1024);
    const error = await (async () => {
      while (!(await reader.read()).done) { /* read on */ }
    })().then(() => undefined, (error: unknown) => error);
    const expected =
      `${ACTION}: "${path}" changed while it was sent (16777216 bytes instead of 33554432)`;
    assert.ok(error instanceof PodmanError, String(error));
    assert.equal(error.message, expected);
    assert.equal((context.failure() as Error).message, expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("packDockerfile() makes a tar of just the Dockerfile, from text, bytes or a stream", async () => {
  const text = "FROM scratch\nLABEL a=b\n";
  const sources = [
    text,
    new TextEncoder().encode(text),
    new Blob([text]).stream(),
  ];
  for (const source of sources) {
    const entries = await readTarEntries(await packDockerfile(source, "Containerfile"));
    assert.deepEqual(entries.map((entry) => entry.name), ["Containerfile"]);
    assert.equal(new TextDecoder().decode(entries[0]!.data), text);
  }
});

Deno.test("readTarEntries() reads a gzip-compressed archive", async () => {
  const writer = createTarWriter();
  const archive = new Response(
    writer.readable.pipeThrough(
      new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
    ),
  ).bytes();
  await writer.add({ name: "dir/", type: "directory" });
  await writer.add({ name: "dir/a.txt", size: 3 }, new TextEncoder().encode("abc"));
  writer.finalize();
  const entries = await readTarEntries(await archive);
  assert.deepEqual(entries.map((entry) => [entry.name, entry.type]), [
    ["dir/", "directory"],
    ["dir/a.txt", "file"],
  ]);
});

Deno.test("buildQuery() maps every option to the name libpod's build handler reads", () => {
  const query = buildQuery(
    {
      path: ".",
      tag: ["localhost/a:1", "localhost/a:2"],
      quiet: true,
      nocache: true,
      rm: false,
      forcerm: true,
      pull: true,
      buildargs: { A: "1" },
      containerLimits: {
        memory: 1,
        memswap: 2,
        cpushares: 3,
        cpusetcpus: "0-1",
        cpuperiod: 4,
        cpuquota: 5,
      },
      shmsize: 6,
      labels: { l: "v" },
      cacheFrom: ["localhost/cache"],
      target: "stage",
      squash: true,
      extraHosts: { "a.test": "10.0.0.1", "b.test": "::1" },
      platform: "linux/arm64",
      isolation: "chroot",
      httpProxy: true,
      output: "type=local,dest=/out",
      secrets: ["id=s,src=s.txt"],
      annotations: { a: "1" },
      timestamp: 10,
      sourceDateEpoch: 20,
      rewriteTimestamp: true,
      inheritLabels: false,
      inheritAnnotations: false,
      createdAnnotation: false,
      env: { E: "1" },
      unsetEnv: ["U"],
      from: "localhost/base:2",
      omitHistory: true,
      unsetLabels: ["l1", "l2"],
      unsetAnnotations: ["a1"],
      retry: 2,
      retryDelay: 1500,
    },
    {
      dockerfile: "Containerfile",
      excludes: ["*.log"],
      namedContexts: [
        { name: "img", kind: "image", value: "localhost/base:1" },
        { name: "web", kind: "url", value: "https://example.test/c.tar" },
        { name: "dir", kind: "local", value: "./dir" },
      ],
    },
    "4.3.1",
    ACTION,
  );
  assert.deepEqual(query, {
    t: ["localhost/a:1", "localhost/a:2"],
    dockerfile: "Containerfile",
    excludes: '["*.log"]',
    q: true,
    nocache: true,
    rm: false,
    forcerm: true,
    pull: true,
    pullpolicy: "always",
    buildargs: '{"A":"1"}',
    cpuperiod: 4,
    cpuquota: 5,
    cpusetcpus: "0-1",
    cpushares: 3,
    memory: 1,
    memswap: 2,
    shmsize: 6,
    labels: '{"l":"v"}',
    cachefrom: "localhost/cache",
    target: "stage",
    squash: true,
    extrahosts: '["a.test:10.0.0.1","b.test:::1"]',
    platform: "linux/arm64",
    isolation: "chroot",
    httpproxy: true,
    layers: true,
    output: "type=local,dest=/out",
    outputformat: DEFAULT_OUTPUT_FORMAT,
    secrets: '["id=s,src=s.txt"]',
    annotations: '["a=1"]',
    timestamp: 10,
    sourcedateepoch: 20,
    rewritetimestamp: true,
    inheritlabels: false,
    inheritannotations: false,
    createdannotation: false,
    setenv: ["E=1"],
    unsetenv: ["U"],
    from: "localhost/base:2",
    omithistory: true,
    unsetlabel: ["l1", "l2"],
    unsetannotation: ["a1"],
    retry: 2,
    "retry-delay": "1500ms",
    // Before Podman 5.6, one JSON object of buildah's contexts; a local one is in the body.
    additionalbuildcontexts: JSON.stringify({
      img: { IsURL: false, IsImage: true, Value: "localhost/base:1" },
      web: { IsURL: true, IsImage: false, Value: "https://example.test/c.tar" },
    }),
  });
});

Deno.test("buildQuery() sends additionalbuildcontexts as name=image:/name=url: from Podman 5.6 on", () => {
  const query = toSearchParams(
    buildQuery(
      { path: "." },
      {
        dockerfile: "Containerfile",
        excludes: undefined,
        namedContexts: [
          { name: "img", kind: "image", value: "localhost/base:1" },
          { name: "web", kind: "url", value: "https://example.test/c.tar" },
          { name: "dir", kind: "local", value: "./dir" },
        ],
      },
      "5.6.0",
      ACTION,
    ),
  );
  assert.deepEqual(query.getAll("additionalbuildcontexts"), [
    "img=image:localhost/base:1",
    "web=url:https://example.test/c.tar",
  ]);
});

Deno.test("buildQuery() defaults layers and the OCI format, and leaves the rest out", () => {
  const query = toSearchParams(
    buildQuery(
      { fileobj: "FROM x" },
      { dockerfile: "Dockerfile", excludes: undefined },
      "4.3.1",
      ACTION,
    ),
  );
  assert.equal(
    query.toString(),
    `dockerfile=Dockerfile&layers=true&outputformat=${encodeURIComponent(DEFAULT_OUTPUT_FORMAT)}`,
  );
  const repeated = toSearchParams(
    buildQuery(
      { fileobj: "x", tag: ["a", "b"] },
      { dockerfile: "D", excludes: [] },
      "5.0.0",
      ACTION,
    ),
  );
  assert.deepEqual(repeated.getAll("t"), ["a", "b"]);
  assert.equal(repeated.has("excludes"), false);
});

Deno.test("buildQuery() sends cachefrom as one name before Podman 4.4, a JSON array after", () => {
  const context = { dockerfile: "D", excludes: undefined };
  assert.equal(buildQuery({ cacheFrom: ["a"] }, context, "4.3.1", ACTION).cachefrom, "a");
  assert.equal(
    buildQuery({ cacheFrom: ["a", "b"] }, context, "4.4.0", ACTION).cachefrom,
    '["a","b"]',
  );
  assert.equal(buildQuery({ cacheFrom: ["a"] }, context, "5.2.0", ACTION).cachefrom, '["a"]');
  assert.throws(
    () => buildQuery({ cacheFrom: ["a", "b"] }, context, "4.3.1", ACTION),
    (error: unknown) =>
      error instanceof PodmanError &&
      error.message === `${ACTION}: Podman 4.3.1 takes a single cacheFrom image, got 2`,
  );
});

Deno.test("buildQuery() turns networkMode and policy into what libpod reads", () => {
  const context = { dockerfile: "D", excludes: undefined };
  const network = (networkMode: string) => {
    const { networkmode, nsoptions } = buildQuery({ networkMode }, context, "4.3.1", ACTION);
    return [networkmode, nsoptions];
  };
  assert.deepEqual(network("host"), ["NetworkEnabled", '[{"Name":"network","Host":true}]']);
  assert.deepEqual(network("none"), ["NetworkDisabled", '[{"Name":"network"}]']);
  assert.deepEqual(network("bridge"), ["NetworkEnabled", '[{"Name":"network"}]']);
  assert.deepEqual(network("NetworkDisabled"), ["NetworkDisabled", undefined]);
  assert.deepEqual(network("mynet"), ["NetworkEnabled", '[{"Name":"network","Path":"mynet"}]']);
  assert.equal(buildQuery({ policy: "newer" }, context, "4.3.1", ACTION).pullpolicy, "ifnewer");
  assert.equal(
    buildQuery({ pull: true, policy: "never" }, context, "4.3.1", ACTION).pullpolicy,
    "never",
  );
  assert.equal(buildQuery({ pull: false }, context, "4.3.1", ACTION).pullpolicy, undefined);
  assert.equal(
    buildQuery({ extraHosts: ["a:1.2.3.4"] }, context, "4.3.1", ACTION).extrahosts,
    '["a:1.2.3.4"]',
  );
});

/** A client over a fake transport: `/_ping` answers as Podman 4.3, `/build` with `lines`. */
function fakeBuildServer(body: ReadableStream<Uint8Array>): PodmanClient {
  const transport: Transport = {
    origin: "http://libpod",
    description: "fake",
    async fetch(url, init) {
      if (url.endsWith("/_ping")) {
        return new Response("OK", { headers: { "Libpod-API-Version": "4.3.1" } });
      }
      // Drain the upload as a server would, then answer.
      if (init.body instanceof ReadableStream) await new Response(init.body).arrayBuffer();
      return new Response(body, { headers: { "Content-Type": "application/json" } });
    },
    close() {},
  };
  return new PodmanClient({ transport });
}

function jsonLines(...values: unknown[]): ReadableStream<Uint8Array> {
  return new Blob(values.map((value) => `${JSON.stringify(value)}\n`)).stream();
}

Deno.test("build() that ends without an image id errors with BuildError and the log", async () => {
  await using podman = fakeBuildServer(
    jsonLines({ stream: "STEP 1/1: FROM scratch\n" }, { stream: "COMMIT\n" }),
  );
  const events: BuildEvent[] = [];
  const error = await lastValueFrom(
    podman.images.build({ fileobj: "FROM scratch\n" }).pipe(tap((event) => events.push(event))),
  ).catch((e: unknown) => e);
  assert.ok(error instanceof BuildError);
  assert.equal(
    error.message,
    "Cannot build image: the build ended without an image id (last line: COMMIT)",
  );
  assert.deepEqual(error.buildLog, ["STEP 1/1: FROM scratch\n", "COMMIT\n"]);
  assert.deepEqual(events.map((event) => event.type), ["log", "log"]);
});

Deno.test("build() turns an in-band error into BuildError, keeping the log before it", async () => {
  await using podman = fakeBuildServer(
    jsonLines(
      { stream: "STEP 1/2: FROM scratch\n" },
      { stream: "a".repeat(64) + "\n" },
      { error: "something broke\n", errorDetail: { message: "something broke\n" } },
    ),
  );
  const error = await lastValueFrom(podman.images.build({ fileobj: "FROM scratch\n", tag: "x" }))
    .catch((e: unknown) => e);
  assert.ok(error instanceof BuildError);
  assert.equal(error.message, 'Cannot build image "x": something broke');
  assert.deepEqual(error.buildLog, ["STEP 1/2: FROM scratch\n", `${"a".repeat(64)}\n`]);
});

Deno.test("build() whose stream breaks errors with ConnectionError (not BuildError) carrying the cause", async () => {
  let pulls = 0;
  const broken = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulls++ === 0) {
        controller.enqueue(new TextEncoder().encode('{"stream":"STEP 1/1: FROM scratch\\n"}\n'));
      } else {
        controller.error(new TypeError("connection reset"));
      }
    },
  });
  await using podman = fakeBuildServer(broken);
  const error = await lastValueFrom(podman.images.build({ fileobj: "FROM scratch\n" }))
    .catch((e: unknown) => e);
  assert.ok(error instanceof ConnectionError && !(error instanceof BuildError), String(error));
  assert.equal(error.reason, "broken");
  assert.equal(
    error.message,
    "Cannot build image: the connection to Podman broke: connection reset",
  );
  assert.ok(error.cause instanceof TypeError);
});
