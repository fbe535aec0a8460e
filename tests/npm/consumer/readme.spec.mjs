// deno-lint-ignore-file no-console -- the tests say which runtime they run on
/**
 * The README's first examples, run as a Node or Bun user runs them: each ```ts block under
 * the headings below, taken from the README the package ships, is written to a `.ts` file in
 * this project and run by the runtime running these tests (Node strips the types itself,
 * Bun runs TypeScript). As tests/readme/readme_examples_test.ts does for Deno, only the names
 * the README says stand for the user's setup are pointed at the bed: the socket, the registry
 * and `./app`.
 *
 * @module
 */

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import process from "node:process";
import { bed, podmanCli, runtime, TEST_TIMEOUT_MS } from "./_bed.mjs";

const README = new URL("README.md", import.meta.resolve("@podrx/podrx"));
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

/** Runs an example in a directory of its own inside this project (so it finds node_modules). */
async function runExample(code) {
  const dir = await mkdtemp(`${HERE}.readme-`);
  const token = Math.random().toString(36).slice(2, 10);
  await mkdir(`${dir}/app`);
  await writeFile(
    `${dir}/app/Containerfile`,
    `FROM ${bed.busybox}\nRUN echo hello from podrx ${token}\n`,
  );
  await writeFile(`${dir}/example.ts`, forTheBed(code));
  const env = { ...process.env, CONTAINER_HOST: bed.baseUrl, NO_COLOR: "1" };
  try {
    const run = await new Promise((resolve) => {
      execFile(
        process.execPath,
        // Deno runs a script only with the permissions it is given.
        runtime.startsWith("deno")
          ? ["run", "-A", "example.ts"]
          : ["example.ts"],
        { cwd: dir, env, timeout: TEST_TIMEOUT_MS },
        (error, stdout, stderr) =>
          resolve({ code: error ? error.code ?? 1 : 0, stdout, stderr }),
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
async function runReadme(heading) {
  const code = example(heading);
  const run = await runExample(code);
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
