// deno-lint-ignore-file no-console -- the tests say which runtime they run on
/**
 * The README's examples, run as a Node or Bun user runs them: every ```ts block the Deno README
 * test runs (tests/readme/readme_examples_test.ts; the `ts ignore` ones are only type-checked
 * there), taken from the README the package ships, is written to a `.ts` file in this project
 * and run by the runtime running these tests (Node strips the types itself, Bun runs
 * TypeScript). As the Deno test does, only the names the README says stand for the user's
 * setup are pointed at the bed: the socket, the registry and `./app`.
 *
 * On Node 22 no example can run (`await using` is a SyntaxError there): each is checked to fail
 * that way.
 *
 @module
 */

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import process from "node:process";
import { existsSync } from "node:fs";
import { PodmanClient } from "@podrx/podrx";
import { bed, podmanCli, runtime, serverAtLeast, TEST_TIMEOUT_MS } from "./_bed.mjs";

const README = new URL("README.md", import.meta.resolve("@podrx/podrx"));
/** The README's blocks that run (the others are `ts ignore`), as tests/readme decides. */
const RUNNABLE = [
  "Two styles, the same operations",
  "A pull -> build -> push pipeline",
  "Cancellation and timeouts",
  "A throwaway Podman service",
  "Node and Bun",
  "Multi-platform images",
  "Artifacts",
];
const HERE = new URL(".", import.meta.url).pathname;

/** The ```ts blocks of the README, by the `## ` heading they are under. */
async function readmeBlocks() {
  const blocks = new Map();
  let heading = "";
  let open;
  for (const line of (await readFile(README, "utf8")).split("\n")) {
    if (open !== undefined) {
      if (line.trimEnd() === "```") {
        blocks.set(heading, [...blocks.get(heading) ?? [], open.join("\n")]);
        open = undefined;
      } else open.push(line);
    } else if (line.trimEnd() === "```ts") open = [];
    else if (line.startsWith("## ")) heading = line.slice(3).trim();
  }
  return blocks;
}

function forTheBed(code) {
  return code
    .replaceAll("unix:///run/podman/podman.sock", bed.baseUrl)
    .replaceAll("registry.example.com", bed.registry)
    .replaceAll("127.0.0.1:5000", bed.registry);
}

/**
 * Runs an example in a directory of its own inside this project (so it finds node_modules);
 * `prepare(dir, token)` may change what the example finds there before it runs.
 */
async function runExample(code, prepare = async () => {}) {
  const dir = await mkdtemp(`${HERE}.readme-`);
  const token = Math.random().toString(36).slice(2, 10);
  await mkdir(`${dir}/app`);
  await writeFile(
    `${dir}/app/Containerfile`,
    `FROM ${bed.busybox}\nRUN echo hello from podrx ${token}\n`,
  );
  await writeFile(`${dir}/app/hello.txt`, `hello from podrx ${token}\n`);
  await writeFile(`${dir}/example.ts`, forTheBed(code));
  await prepare(dir, token);
  const env = { ...process.env, NO_COLOR: "1" };
  // As tests/readme/readme_examples_test.ts: discovery finds the bed only where the example
  // uses it; `podman` on PATH is the bed's Podman, for PodmanClient.spawn().
  for (
    const name of ["CONTAINER_HOST", "DOCKER_HOST", "CONTAINER_CONNECTION"]
  ) delete env[name];
  if (code.includes("new PodmanClient()")) env.CONTAINER_HOST = bed.baseUrl;
  if (bed.podmanPath) {
    await mkdir(`${dir}/bin`);
    await symlink(bed.podmanPath, `${dir}/bin/podman`);
    env.PATH = `${dir}/bin:${env.PATH ?? ""}`;
  }
  try {
    const run = await new Promise((resolve) => {
      execFile(
        process.execPath,
        // Deno runs a script only with the permissions it is given.
        runtime.startsWith("deno") ? ["run", "-A", "example.ts"] : ["example.ts"],
        { cwd: dir, env, timeout: TEST_TIMEOUT_MS },
        (error, stdout, stderr) => resolve({ code: error ? error.code ?? 1 : 0, stdout, stderr }),
      );
    });
    return { ...run, token };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function explain(run) {
  return `exit ${run.code}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
}

async function imageId(name) {
  return (await podmanCli(["image", "inspect", "--format", "{{.Id}}", name]))
    .trim();
}

/** Puts the seeded image `source` into the bed's registry as `repository:tag`. */
async function seedRegistry(source, repository) {
  const target = `${bed.registry}/${repository}`;
  await podmanCli(["tag", source, target]);
  try {
    await podmanCli(["push", "--tls-verify=false", target]);
  } finally {
    await podmanCli(["untag", source, target]);
  }
}

/** Removes names an example made; a name that is not there is no failure. */
async function removeNames(...names) {
  for (const name of names) await podmanCli(["rmi", name]).catch(() => {});
}

const blocks = await readmeBlocks();
const options = { timeout: TEST_TIMEOUT_MS };

function example(heading) {
  const found = blocks.get(heading);
  assert.equal(
    found?.length,
    1,
    `one ts block under "${heading}" in ${README}`,
  );
  return found[0];
}

/** Whether this runtime parses `await using`: Node 24, Bun and Deno do, Node 22's V8 does not. */
const AWAIT_USING = (() => {
  try {
    new (async () => {}).constructor("await using disposable = null;");
    return true;
  } catch {
    return false;
  }
})();

/**
 * Runs the example under `heading`. On a runtime that cannot parse `await using` (Node 22),
 * checks instead that the example fails with that SyntaxError, and returns undefined: the
 * README's examples need Node 24 or later there, which its Node section has to say.
 */
async function runReadme(heading, prepare) {
  const code = example(heading);
  const run = await runExample(code, prepare);
  if (AWAIT_USING || !code.includes("await using")) return run;
  assert.notEqual(run.code, 0, explain(run));
  assert.match(run.stderr, /SyntaxError/, explain(run));
  console.log(
    `README: "${heading}" uses \`await using\`, which ${runtime} cannot parse`,
  );
  return undefined;
}

after(() => console.log(`README examples on ${runtime}: done`));

test("README: Two styles, the same operations", options, async () => {
  await seedRegistry(bed.labeled, "team/app:1.4");
  try {
    const run = await runReadme("Two styles, the same operations");
    if (run === undefined) return;
    assert.equal(run.code, 0, explain(run));
    const pulledId = await imageId(bed.labeled);
    assert.match(
      run.stdout,
      new RegExp(`^pulled ${pulledId}$`, "m"),
      explain(run),
    );
    // console.log quotes strings with " on Deno and ' on Node and Bun, and may break lines.
    assert.match(run.stdout, /^listed \[[^\]]*["'][^"']+\/team\/app:1\.4["']/m);
    assert.match(
      run.stdout,
      /^got [0-9a-f]{10,} \{[^}]*["']podrx\.test["']: ["']seed["'][^}]*\}$/m,
    );
    assert.match(
      run.stdout,
      new RegExp(`^hello from podrx ${run.token}$`, "m"),
    );
    assert.match(run.stdout, /^built [0-9a-f]{64} with \d+ log lines$/m);
  } finally {
    await removeNames(`${bed.registry}/team/app:1.4`, "localhost/app:dev");
  }
});

test("README: A pull -> build -> push pipeline", options, async () => {
  await seedRegistry(bed.busybox, "base:1");
  try {
    const run = await runReadme("A pull -> build -> push pipeline");
    if (run === undefined) return;
    assert.equal(run.code, 0, explain(run));
    assert.match(
      run.stdout,
      new RegExp(`^pulled ${await imageId(bed.busybox)}$`, "m"),
    );
    assert.match(
      run.stdout,
      new RegExp(`^hello from podrx ${run.token}$`, "m"),
    );
    assert.match(run.stdout, /^built$/m);
    assert.match(
      run.stdout,
      new RegExp(`^pushed ${bed.registry}/app:2\\b`, "m"),
    );
  } finally {
    await removeNames(`${bed.registry}/base:1`, `${bed.registry}/app:2`);
  }
});

test("README: Cancellation and timeouts", options, async () => {
  await seedRegistry(bed.busybox, "big:1");
  let builtId;
  try {
    const run = await runReadme("Cancellation and timeouts");
    if (run === undefined) return;
    builtId = /^built ([0-9a-f]{64})$/m.exec(run.stdout)?.[1];
    assert.equal(run.code, 0, explain(run));
    const bigId = await imageId(bed.busybox);
    assert.match(run.stdout, new RegExp(`^pulled ${bigId}$`, "m"));
    assert.ok(builtId, explain(run));
    assert.match(run.stdout, new RegExp(`^reloaded ${bigId}$`, "m"));
  } finally {
    await removeNames(`${bed.registry}/big:1`, ...(builtId ? [builtId] : []));
  }
});

test("README: Node and Bun", options, async () => {
  try {
    const run = await runReadme("Node and Bun");
    if (run === undefined) return;
    assert.equal(run.code, 0, explain(run));
    const busyboxId = await imageId(bed.busybox);
    assert.match(run.stdout, new RegExp(`^${busyboxId.slice(0, 10)} .*${bed.busybox}`, "m"));
    assert.match(run.stdout, new RegExp(`^hello from podrx ${run.token}$`, "m"));
    assert.ok(await imageId("localhost/app:dev"), "the build tagged localhost/app:dev");
  } finally {
    await removeNames("localhost/app:dev");
  }
});

test("README: A throwaway Podman service", options, async () => {
  const version = (await podmanCli(["version", "--format", "{{.Client.Version}}"])).trim();
  const run = await runReadme("A throwaway Podman service");
  if (run === undefined) return;
  assert.equal(run.code, 0, explain(run));
  const socket = /^serving on (\/\S+\/podman\.sock)$/m.exec(run.stdout)?.[1];
  assert.ok(socket, explain(run));
  // A new, private storage: no images, not the bed's.
  assert.match(
    run.stdout,
    new RegExp(`^Podman ${version.replaceAll(".", "\\.")}, 0 images$`, "m"),
  );
  // The service was stopped and its directory removed when the script ended.
  const dir = socket.slice(0, socket.lastIndexOf("/"));
  assert.equal(existsSync(dir), false, `${dir} is still there`);
});

test("README: Multi-platform images", options, async () => {
  let run;
  try {
    // No RUN in the Containerfile: this machine cannot run a foreign architecture's programs.
    run = await runReadme("Multi-platform images", async (dir, token) => {
      await writeFile(
        `${dir}/app/Containerfile`,
        `FROM scratch\nCOPY hello.txt /hello-${token}.txt\n`,
      );
    });
    if (run === undefined) return;
    assert.equal(run.code, 0, explain(run));
    const built = new Map(
      [...run.stdout.matchAll(/^built (linux\/\w+) ([0-9a-f]{64})$/gm)].map((
        m,
      ) => [m[1], m[2]]),
    );
    assert.deepEqual(
      [...built.keys()].sort(),
      ["linux/amd64", "linux/arm64"],
      explain(run),
    );
    // The index the script pushed is the one the registry now serves.
    const head = await fetch(`http://${bed.registry}/v2/app/manifests/2`, {
      method: "HEAD",
      headers: {
        accept: "application/vnd.oci.image.index.v1+json, " +
          "application/vnd.docker.distribution.manifest.list.v2+json",
      },
    });
    const digest = head.headers.get("docker-content-digest");
    assert.ok(digest, `HEAD answered ${head.status}`);
    assert.match(run.stdout, new RegExp(`^index ${digest}$`, "m"));
    const platforms = /^platforms (.+)$/m.exec(run.stdout)?.[1]?.split(",")
      .sort();
    assert.deepEqual(platforms, ["linux/amd64", "linux/arm64"], explain(run));
    assert.match(
      run.stdout,
      new RegExp(`^pulled arm64 ${built.get("linux/arm64")}$`, "m"),
    );
  } finally {
    // Podman 4.3 cannot list images while this list is stored: it goes first.
    await podmanCli(["manifest", "rm", "localhost/app:2"]).catch(() => {});
    const ids = [
      ...(run?.stdout ?? "").matchAll(/^built \S+ ([0-9a-f]{64})$/gm),
    ].map((m) => m[1]);
    await removeNames(`${bed.registry}/app:2`, ...ids);
  }
});

test("README: Artifacts", options, async () => {
  const name = `${bed.registry}/ai/tiny-model:1`;
  try {
    const run = await runReadme("Artifacts");
    if (run === undefined) return;
    // The bed's server decides, as in tests/readme/readme_examples_test.ts.
    const client = new PodmanClient({ baseUrl: bed.baseUrl });
    const has = await serverAtLeast(client, 5, 6).finally(() => client.close());
    if (!has) {
      assert.notEqual(run.code, 0, explain(run));
      assert.match(
        run.stderr,
        /the artifacts API needs Podman 5\.6 or later/,
        explain(run),
      );
      return;
    }
    assert.equal(run.code, 0, explain(run));
    assert.match(
      run.stdout,
      /^added sha256:[0-9a-f]{64} weights\.bin,config\.json$/m,
    );
    assert.match(run.stdout, /^pushed sha256:[0-9a-f]{64}$/m);
    assert.match(run.stdout, /^extracted \.\/model\/weights\.bin 65536$/m);
  } finally {
    await podmanCli(["artifact", "rm", name]).catch(() => {});
  }
});

test("README: every block that runs has a test here", () => {
  // readmeBlocks() reads only plain ```ts blocks: the ones tests/readme runs.
  assert.deepEqual([...blocks.keys()].sort(), [...RUNNABLE].sort());
});
