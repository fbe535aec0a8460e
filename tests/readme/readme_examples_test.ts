// The README's examples, run as a user runs them: every ```ts block of README.md is written to
// a file and run with `deno run` in its own process, against the test bed; all of them are
// type-checked first, together, by one `deno check` (one check of the library, not one per
// block). Only the
// names the README says stand for the user's setup are pointed at the bed: the socket URL,
// the registry hosts, and `./app` (a folder made here, the script's working directory).
// `new PodmanClient()` finds the bed through CONTAINER_HOST, as it would find any service.
import assert from "node:assert/strict";
import { podmanCli, podmanProgram, testBed } from "../bed/env.ts";
import { podmanOk, uniqueName } from "../images/_fixtures.ts";
import { serverAtLeast } from "../bed/server_version.ts";

const bed = testBed();
const README = decodeURIComponent(new URL("../../README.md", import.meta.url).pathname);
const CONFIG = decodeURIComponent(new URL("../../deno.json", import.meta.url).pathname);
// Generous: a build on a busy 2-core machine; only a hung script ever reaches it.
const SCRIPT_TIMEOUT_MS = 5 * 60_000;

/** A fenced ```ts block of the README. */
interface CodeBlock {
  /** The `## ` heading the block is under. */
  heading: string;
  /** Words after `ts` on the fence line, e.g. `["ignore"]`. */
  flags: string[];
  /** The block's code. */
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

function readmeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let heading = "";
  let open: { flags: string[]; line: number; lines: string[] } | undefined;
  let fence: string | undefined;
  for (const [index, text] of markdown.split("\n").entries()) {
    if (fence !== undefined) {
      if (text.trimEnd() === fence) {
        if (open) {
          blocks.push({ heading, flags: open.flags, code: open.lines.join("\n"), line: open.line });
        }
        open = undefined;
        fence = undefined;
      } else open?.lines.push(text);
      continue;
    }
    const opening = /^(`{3,})\s*(\S*)\s*(.*)$/.exec(text);
    if (opening) {
      fence = opening[1]!;
      // Other languages (sh, jsonc) are skipped, but their fences must still be tracked.
      if (opening[2] === "ts") {
        open = { flags: opening[3]!.split(/\s+/).filter(Boolean), line: index + 1, lines: [] };
      }
      continue;
    }
    if (text.startsWith("## ")) heading = text.slice(3).trim();
  }
  assert.equal(fence, undefined, "README.md ends inside a code block");
  return blocks;
}

/**
 * Points the README's stand-in names at the bed; nothing else is changed. The bed's service
 * lists its registries as insecure, so `registry.example.com` (HTTPS) needs no `tlsVerify`.
 */
function forTheBed(code: string): string {
  return code
    .replaceAll("unix:///run/podman/podman.sock", `unix://${bed.socketPath}`)
    .replaceAll("registry.example.com", bed.registry)
    .replaceAll("127.0.0.1:5000", bed.registry);
}

/** A working directory with `./app`: a Containerfile whose RUN prints `hello from podrx <token>`. */
interface Workdir extends AsyncDisposable {
  path: string;
  /** A new value per directory, so the RUN step never comes from the build cache. */
  token: string;
}

async function makeWorkdir(
  containerfile = (token: string) =>
    `FROM ${bed.busyboxImage}\nRUN echo hello from podrx ${token}\n`,
): Promise<Workdir> {
  const path = await Deno.makeTempDir({ prefix: "podrx-readme-" });
  const token = crypto.randomUUID().slice(0, 8);
  await Deno.mkdir(`${path}/app`);
  await Deno.writeTextFile(`${path}/app/hello.txt`, `hello from podrx ${token}\n`);
  await Deno.writeTextFile(`${path}/app/Containerfile`, containerfile(token));
  return {
    path,
    token,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

function explain(run: ScriptRun): string {
  return `exit ${run.code}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
}

// Where podrx and Podman look for a service: none may leak in from this process.
const DISCOVERY_VARIABLES = ["CONTAINER_HOST", "DOCKER_HOST", "CONTAINER_CONNECTION"];

function scriptEnv(block: CodeBlock, path: string): Record<string, string> {
  const env = Deno.env.toObject();
  for (const name of DISCOVERY_VARIABLES) delete env[name];
  // Only where discovery is used: `podman system service`, started by spawn(), would take it
  // as a remote connection and fail.
  if (block.code.includes("new PodmanClient()")) env.CONTAINER_HOST = `unix://${bed.socketPath}`;
  return { ...env, NO_COLOR: "1", PATH: path };
}

async function runBlock(block: CodeBlock, workdir: Workdir): Promise<ScriptRun> {
  const script = `${workdir.path}/${uniqueName("example")}.ts`;
  await Deno.writeTextFile(script, forTheBed(block.code));
  // `podman` on PATH is the bed's Podman (the Podman 5 chroot's launcher with PODRX_PODMAN=5),
  // for PodmanClient.spawn().
  let path = Deno.env.get("PATH") ?? "";
  if (podmanProgram() !== "podman") {
    await Deno.mkdir(`${workdir.path}/bin`, { recursive: true });
    await Deno.symlink(podmanProgram(), `${workdir.path}/bin/podman`);
    path = `${workdir.path}/bin:${path}`;
  }
  const killer = new AbortController();
  const timer = setTimeout(() => killer.abort(), SCRIPT_TIMEOUT_MS);
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      // Type-checked with the others (typeErrors below), the same code.
      args: ["run", "--no-check", "-A", "--config", CONFIG, script],
      cwd: workdir.path,
      env: scriptEnv(block, path),
      clearEnv: true,
      stdin: "null",
      signal: killer.signal,
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

async function imageId(name: string): Promise<string> {
  return (await podmanOk(["image", "inspect", "--format", "{{.Id}}", name])).trim();
}

/** Puts the seeded image `source` into the bed's open registry as `repository:tag`. */
async function seedRegistry(source: string, repository: string): Promise<void> {
  const target = `${bed.registry}/${repository}`;
  await podmanOk(["tag", source, target]);
  try {
    await podmanOk(["push", "--tls-verify=false", target]);
  } finally {
    // Only the name goes: the seeded image stays.
    await podmanOk(["untag", source, target]);
  }
}

/** The registry's manifest digest and the config digest (the image id) of `repository:tag`. */
async function registryManifest(
  repository: string,
  tag: string,
): Promise<{ digest: string; imageId: string }> {
  const response = await fetch(`http://${bed.registry}/v2/${repository}/manifests/${tag}`, {
    headers: {
      accept: "application/vnd.oci.image.manifest.v1+json, " +
        "application/vnd.docker.distribution.manifest.v2+json",
    },
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return {
    digest: response.headers.get("docker-content-digest") ?? "",
    imageId: (JSON.parse(text) as { config: { digest: string } }).config.digest
      .replace(/^sha256:/, ""),
  };
}

/** Removes names an example made; an image only a name held goes with it. */
async function removeNames(...names: string[]): Promise<void> {
  for (const name of names) await podmanCli(["rmi", name]);
}

async function bedMajor(): Promise<number> {
  const version = await podmanOk(["version", "--format", "{{.Client.Version}}"]);
  return Number(version.trim().split(".")[0]);
}

/** The lines of `stdout` before the first that starts with `prefix`. */
function linesBefore(stdout: string, prefix: string): string[] {
  const lines = stdout.split("\n");
  const at = lines.findIndex((line) => line.startsWith(prefix));
  assert.ok(at >= 0, `no line starts with "${prefix}":\n${stdout}`);
  return lines.slice(0, at);
}

/** What each README example must print, keyed by the heading it is under. */
const CHECKS: Record<string, (block: CodeBlock) => Promise<void>> = {
  "Two styles, the same operations": async (block) => {
    await seedRegistry(bed.labeledImage, "team/app:1.4");
    const pulledId = await imageId(bed.labeledImage);
    await using workdir = await makeWorkdir();
    const run = await runBlock(block, workdir);
    try {
      assert.equal(run.code, 0, explain(run));
      // The pull's own events came before its result, whichever form the server reports.
      const events = linesBefore(run.stdout, "pulled ");
      if (await bedMajor() >= 6) {
        // Status lines, and layer events named by digest with their bytes (pullProgress).
        assert.ok(events.includes(`Trying to pull ${bed.registry}/team/app:1.4...`), explain(run));
        assert.ok(
          events.some((line) => /^sha256:[0-9a-f]{64} Download complete \d+$/.test(line)),
          explain(run),
        );
      } else if (await bedMajor() >= 5) {
        assert.ok(events.some((line) => /^[0-9a-f]{12} \S/.test(line)), explain(run));
      } else {
        assert.ok(events.includes(`Trying to pull ${bed.registry}/team/app:1.4...`), explain(run));
      }
      assert.match(run.stdout, new RegExp(`^pulled ${pulledId}$`, "m"));
      assert.match(run.stdout, /^listed \[[^\]]*"[^"]+\/team\/app:1\.4"/m);
      assert.ok(run.stdout.includes(`"${bed.registry}/team/app:1.4"`), explain(run));
      const got = /^got ([0-9a-f]+) \{.*"podrx\.test": "seed".*\}$/m.exec(run.stdout);
      assert.ok(got && got[1]!.length >= 10 && pulledId.startsWith(got[1]!), explain(run));
      // The RUN step really ran, and its output came through onProgress.
      assert.match(run.stdout, new RegExp(`^hello from podrx ${workdir.token}$`, "m"));
      const builtId = await imageId("localhost/app:dev");
      assert.match(run.stdout, new RegExp(`^built ${builtId} with \\d+ log lines$`, "m"));
    } finally {
      await removeNames(`${bed.registry}/team/app:1.4`, "localhost/app:dev");
    }
  },

  "A pull -> build -> push pipeline": async (block) => {
    await seedRegistry(bed.busyboxImage, "base:1");
    const baseId = await imageId(bed.busyboxImage);
    await using workdir = await makeWorkdir();
    const run = await runBlock(block, workdir);
    try {
      assert.equal(run.code, 0, explain(run));
      assert.match(run.stdout, new RegExp(`^pulled ${baseId}$`, "m"));
      assert.match(run.stdout, new RegExp(`^hello from podrx ${workdir.token}$`, "m"));
      assert.match(run.stdout, /^built$/m);
      // What the registry now holds under app:2 is the image the script built.
      const builtId = await imageId(`${bed.registry}/app:2`);
      const pushed = await registryManifest("app", "2");
      assert.equal(pushed.imageId, builtId);
      // Podman 4 reports no digest for a push; Podman 5 reports the registry's.
      const expected = (await bedMajor()) >= 5 ? ` ${pushed.digest}` : " ";
      assert.ok(run.stdout.includes(`\npushed ${bed.registry}/app:2${expected}\n`), explain(run));
    } finally {
      await removeNames(`${bed.registry}/base:1`, `${bed.registry}/app:2`);
    }
  },

  "Cancellation and timeouts": async (block) => {
    await seedRegistry(bed.busyboxImage, "big:1");
    const bigId = await imageId(bed.busyboxImage);
    await using workdir = await makeWorkdir();
    const run = await runBlock(block, workdir);
    const builtId = /^built ([0-9a-f]{64})$/m.exec(run.stdout)?.[1];
    try {
      assert.equal(run.code, 0, explain(run));
      assert.match(run.stdout, new RegExp(`^pulled ${bigId}$`, "m"));
      assert.ok(builtId, explain(run));
      // An untagged image, and the one whose RUN step printed this run's token.
      const history = await podmanOk([
        "history",
        "--no-trunc",
        "--format",
        "{{.CreatedBy}}",
        builtId,
      ]);
      assert.ok(history.includes(`hello from podrx ${workdir.token}`), history);
      assert.match(run.stdout, new RegExp(`^reloaded ${bigId}$`, "m"));
    } finally {
      await removeNames(`${bed.registry}/big:1`, ...(builtId ? [builtId] : []));
    }
  },

  "Node and Bun": async (block) => {
    // The same script on Deno here; .ci/npm runs it on Node and Bun from the npm build.
    await using workdir = await makeWorkdir();
    const run = await runBlock(block, workdir);
    try {
      assert.equal(run.code, 0, explain(run));
      const busyboxId = await imageId(bed.busyboxImage);
      assert.match(run.stdout, new RegExp(`^${busyboxId.slice(0, 10)} .*${bed.busyboxImage}`, "m"));
      assert.match(run.stdout, new RegExp(`^hello from podrx ${workdir.token}$`, "m"));
      assert.ok(await imageId("localhost/app:dev"), "the build tagged localhost/app:dev");
    } finally {
      await removeNames("localhost/app:dev");
    }
  },

  "Multi-platform images": async (block) => {
    // No RUN: this machine cannot run a foreign architecture's programs.
    await using workdir = await makeWorkdir((token) =>
      `FROM scratch\nCOPY hello.txt /hello-${token}.txt\n`
    );
    const run = await runBlock(block, workdir);
    try {
      assert.equal(run.code, 0, explain(run));
      const built = new Map(
        [...run.stdout.matchAll(/^built (linux\/\w+) ([0-9a-f]{64})$/gm)].map((m) => [m[1], m[2]]),
      );
      assert.deepEqual([...built.keys()].sort(), ["linux/amd64", "linux/arm64"], explain(run));
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
      const platforms = /^platforms (.+)$/m.exec(run.stdout)?.[1]?.split(",").sort();
      assert.deepEqual(platforms, ["linux/amd64", "linux/arm64"], explain(run));
      assert.match(run.stdout, new RegExp(`^pulled arm64 ${built.get("linux/arm64")}$`, "m"));
    } finally {
      // Podman 4.3 cannot list images while this list is stored: it goes first.
      await podmanCli(["manifest", "rm", "localhost/app:2"]);
      const ids = [...run.stdout.matchAll(/^built \S+ ([0-9a-f]{64})$/gm)].map((m) => m[1]!);
      await removeNames(`${bed.registry}/app:2`, ...ids);
    }
  },

  "A throwaway Podman service": async (block) => {
    const version = (await podmanOk(["version", "--format", "{{.Client.Version}}"])).trim();
    await using workdir = await makeWorkdir();
    const run = await runBlock(block, workdir);
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
    await assert.rejects(Deno.stat(dir), Deno.errors.NotFound, `${dir} is still there`);
  },

  "Artifacts": async (block) => {
    await using workdir = await makeWorkdir();
    const run = await runBlock(block, workdir);
    const name = `${bed.registry}/ai/tiny-model:1`;
    try {
      if (!(await serverAtLeast(5, 6))) {
        // An older server refuses before anything is sent, naming the version needed.
        assert.notEqual(run.code, 0, explain(run));
        assert.match(run.stderr, /the artifacts API needs Podman 5\.6 or later/, explain(run));
        return;
      }
      assert.equal(run.code, 0, explain(run));
      const added = /^added (sha256:[0-9a-f]{64}) weights\.bin,config\.json$/m.exec(run.stdout);
      assert.ok(added, explain(run));
      // The registry holds what was pushed; the other service pulled and extracted it whole.
      const head = await fetch(`http://${bed.registry}/v2/ai/tiny-model/manifests/1`, {
        method: "HEAD",
        headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
      });
      const digest = head.headers.get("docker-content-digest");
      assert.ok(digest, `HEAD answered ${head.status}`);
      assert.match(run.stdout, new RegExp(`^pushed ${digest}$`, "m"));
      const weights = await Deno.readFile(`${workdir.path}/weights.bin`);
      assert.deepEqual(await Deno.readFile(`${workdir.path}/model/weights.bin`), weights);
      assert.equal(await Deno.readTextFile(`${workdir.path}/model/config.json`), '{"layers":2}');
      assert.match(run.stdout, /^extracted \.\/model\/weights\.bin 65536$/m);
    } finally {
      await podmanCli(["artifact", "rm", name]);
    }
  },
};

const blocks = readmeBlocks(await Deno.readTextFile(README));

Deno.test("README.md has a check here for every ts block it runs, and nothing else", () => {
  const runnable = blocks.filter((block) => !block.flags.includes("ignore"));
  assert.deepEqual(
    runnable.map((block) => block.heading).sort(),
    Object.keys(CHECKS).sort(),
    "each runnable ```ts block needs an entry in CHECKS, one block per heading",
  );
});

/** A block's file in the shared type check: named by its line, which the diagnostics quote. */
function checkedName(block: CodeBlock): string {
  return `readme-line-${block.line}.ts`;
}

interface TypeCheck {
  success: boolean;
  stderr: string;
}

let typeCheck: Promise<TypeCheck> | undefined;

/**
 * Type-checks every block at once, each as the file it runs as (a runnable block with the bed's
 * names, as runBlock writes it), with one `deno check`: the library is checked once, not once
 * per block. Started by the first test that asks, shared by the others.
 */
function checkAllBlocks(): Promise<TypeCheck> {
  typeCheck ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "podrx-readme-check-" });
    try {
      const scripts: string[] = [];
      for (const block of blocks) {
        const script = `${dir}/${checkedName(block)}`;
        const ignored = block.flags.includes("ignore");
        await Deno.writeTextFile(script, ignored ? block.code : forTheBed(block.code));
        scripts.push(script);
      }
      const output = await new Deno.Command(Deno.execPath(), {
        args: ["check", "--config", CONFIG, ...scripts],
        env: { NO_COLOR: "1" },
        stdin: "null",
      }).output();
      return { success: output.success, stderr: new TextDecoder().decode(output.stderr) };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
  return typeCheck;
}

/** Whether `stderr` places a diagnostic in `block`'s file (`at file:///…/NAME:line:column`). */
function blamed(stderr: string, block: CodeBlock): boolean {
  // Not the bare name: the `Check` line of every file has it too.
  return stderr.includes(`/${checkedName(block)}:`);
}

/**
 * Asserts that the shared check found no error in `block`'s file. A failed check that blames
 * no block's file (a broken config, say) fails every block.
 */
async function assertTypeChecks(block: CodeBlock): Promise<void> {
  const { success, stderr } = await checkAllBlocks();
  if (success) return;
  assert.ok(
    blocks.some((other) => blamed(stderr, other)) && !blamed(stderr, block),
    `README.md "${block.heading}" (line ${block.line}) does not type-check:\n${stderr}`,
  );
}

for (const block of blocks) {
  if (block.flags.includes("ignore")) {
    Deno.test(
      `README.md "${block.heading}" (line ${block.line}, not run) type-checks`,
      () => assertTypeChecks(block),
    );
    continue;
  }
  const check = CHECKS[block.heading];
  if (!check) continue; // reported by the test above
  Deno.test(
    `README.md "${block.heading}" (line ${block.line}) type-checks, runs and prints its results`,
    async () => {
      await assertTypeChecks(block);
      await check(block);
    },
  );
}
