// deno-lint-ignore-file no-console -- a command-line tool reports on the terminal
// The doc examples in src/ and mod.ts are what users copy, so each is a whole script that is
// at least type-checked, and run where it can be:
// - every block is plain ```ts (never `ignore`: that skips type-checking too), and imports the
//   package ("@podrx/podrx") or a relative module, so a fragment cannot hide in the docs;
// - `deno check --doc` (in the `check` task) type-checks every block;
// - a block marked ```ts check-only (it needs a Podman service, a registry or the network) is
//   only type-checked; every other block is run here by `deno test --doc`, and must assert its
//   outcome with node:assert/strict. They run without net permission, so none can lean on a
//   service or the internet (CI runs this before any Podman exists); making a Unix-socket
//   client takes net permission too, so `unixSocketTransport`'s example is check-only.
// `--lint-only` checks the blocks without running them.
// Deno knows no "type-check but don't run" attribute (only `ignore`), so this tool passes the
// runnable blocks' test names (`file:///...#FIRST-END.ts`, the fence lines) to `--filter`, and
// checks that exactly that many tests passed, so a change in Deno's naming cannot silently run
// none.
import { pathToFileURL } from "node:url";

/** One fenced block in a JSDoc comment; `first`/`end` are its fence lines, 1-based. */
interface Block {
  file: string;
  first: number;
  end: number;
  attributes: string[];
  code: string;
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

function blocksOf(file: string, text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  let open: { first: number; attributes: string[]; code: string[] } | undefined;
  lines.forEach((line, index) => {
    const fence = /^\s*\*\s?```(.*)$/.exec(line);
    if (!fence) {
      open?.code.push(line.replace(/^\s*\*\s?/, ""));
    } else if (!open) {
      open = { first: index + 1, attributes: fence[1]!.trim().split(/\s+/), code: [] };
    } else {
      blocks.push({ file, ...open, end: index + 2, code: open.code.join("\n") });
      open = undefined;
    }
  });
  return blocks;
}

const files = ["mod.ts"];
for await (const file of sourceFiles("src")) files.push(file);
files.sort();
const blocks: Block[] = [];
for (const file of files) blocks.push(...blocksOf(file, await Deno.readTextFile(file)));

const importsPackage = /^import\b[^;]*?from\s+"(@podrx\/podrx|\.\.?\/[^"]+)"/m;
const importsAssert = /^import\b[^;]*?from\s+"node:assert\/strict"/m;
const problems: string[] = [];
for (const block of blocks) {
  const where = `${block.file}:${block.first}`;
  const [language, ...marks] = block.attributes;
  if (language !== "ts") problems.push(`${where}: a block is \`\`\`ts, not \`\`\`${language}`);
  for (const mark of marks) {
    if (mark === "ignore") {
      problems.push(
        `${where}: \`ignore\` skips type-checking; make the example whole and run ` +
          "it, or mark it `check-only` if it needs a service, a registry or the network",
      );
    } else if (mark !== "check-only") problems.push(`${where}: unknown mark "${mark}"`);
  }
  if (!importsPackage.test(block.code)) {
    problems.push(`${where}: a fragment; import from "@podrx/podrx" or a relative module`);
  }
  if (!marks.includes("check-only") && !importsAssert.test(block.code)) {
    problems.push(
      `${where}: a runnable example asserts its outcome (node:assert/strict); ` +
        "mark it `check-only` if it cannot run without a service",
    );
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  console.error(`doc examples: ${problems.length} problem(s)`);
  Deno.exit(1);
}

const runnable = blocks.filter((block) => !block.attributes.includes("check-only"));
console.error(
  `doc examples: ${blocks.length} blocks, ${runnable.length} run, ${
    blocks.length - runnable.length
  } check-only`,
);
if (Deno.args.includes("--lint-only")) Deno.exit(0);

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const names = runnable.map((block) =>
  escape(`${pathToFileURL(Deno.realPathSync(block.file)).href}#${block.first}-${block.end}.ts`)
);
const { code, stdout } = await new Deno.Command(Deno.execPath(), {
  args: [
    "test",
    "--doc",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    `--filter=/^(${names.join("|")})$/`,
    "src/",
    "mod.ts",
  ],
  stdout: "piped",
  stderr: "inherit",
  env: { NO_COLOR: "1" },
}).output();
const report = new TextDecoder().decode(stdout);
const passed = Number(/\| (\d+) passed/.exec(report)?.[1] ?? 0);
if (code !== 0 || passed !== runnable.length) {
  console.error(report);
  console.error(`doc examples: ${passed} of ${runnable.length} runnable examples passed`);
  Deno.exit(1);
}
console.error(`doc examples: ${passed} ran and passed`);
