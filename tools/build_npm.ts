// deno-lint-ignore-file no-console -- a command-line tool reports on the terminal
/**
 * Builds locally what JSR's npm compatibility layer serves for this package: ESM JavaScript
 * with `.d.ts` files and a `package.json`, in `dist/npm/`. JSR cannot be reached from our
 * machines, so Node and Bun tests (tests/npm/) install this instead, packed with `npm pack`.
 *
 * ```sh
 * deno task build:npm            # dist/npm/
 * deno task build:npm --out=DIR  # elsewhere
 * ```
 *
 * Like JSR, it transpiles without type-checking (TypeScript's `noCheck`: `deno task check`
 * checks the source), turns relative `.ts` specifiers into `.js`, and lists as dependencies
 * the npm packages the published modules import, with the ranges deno.json gives them.
 * The package is named `@podrx/podrx`, the name users import: JSR's registry calls it
 * `@jsr/podrx__podrx`, and `npx jsr add @podrx/podrx` installs it under the alias
 * `@podrx/podrx` (`"@podrx/podrx": "npm:@jsr/podrx__podrx@^0.1.0"`), so `node_modules` looks
 * the same either way.
 *
 * A `.d.ts` that names a `Deno` type fails the build: a Node or Bun user's TypeScript does not
 * know `Deno`.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** TypeScript from npm, pinned: 7 is the Go port, which emits the same as 5.9 in a tenth of the time. */
const TYPESCRIPT = "npm:typescript@7.0.2/tsc";
const ROOT = new URL("../", import.meta.url);
const DEFAULT_OUT = "dist/npm";

/** The parts of deno.json the build reads. */
interface DenoJson {
  name: string;
  version: string;
  license?: string;
  exports: string | Record<string, string>;
  compilerOptions?: Record<string, unknown>;
}

/** One module of `deno info --json`, as far as the build reads it. */
interface InfoModule {
  specifier: string;
  dependencies?: {
    specifier: string;
    code?: { specifier?: string };
    type?: { specifier?: string };
  }[];
}

/** An npm package the published modules import: its name and the range deno.json gives. */
interface NpmDependency {
  name: string;
  range: string;
}

async function main(args: string[]): Promise<number> {
  const flags = parseArgs({ args, options: { out: { type: "string", default: DEFAULT_OUT } } });
  const started = performance.now();
  const rootPath = fromFileUrl(ROOT);
  const out = flags.values.out.startsWith("/")
    ? flags.values.out
    : `${rootPath}${flags.values.out}`;
  const denoJson = JSON.parse(await Deno.readTextFile(`${rootPath}deno.json`)) as DenoJson;
  const entries = exportEntries(denoJson);

  const dependencies = await npmDependencies(entries.map(([, path]) => `${rootPath}${path}`));
  await Deno.remove(out, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await transpile(denoJson, entries, rootPath, out);

  const emitted = await listFiles(out);
  const undeclared = new Set<string>();
  const denoTypes: string[] = [];
  for (const file of emitted) {
    if (!file.endsWith(".js") && !file.endsWith(".d.ts")) continue;
    const text = rewriteSpecifiers(await Deno.readTextFile(`${out}/${file}`));
    await Deno.writeTextFile(`${out}/${file}`, text);
    for (const name of barePackages(text)) {
      if (!dependencies.some((dependency) => dependency.name === name)) undeclared.add(name);
    }
    if (file.endsWith(".d.ts") && /\bDeno\./.test(withoutComments(text))) denoTypes.push(file);
  }
  if (undeclared.size > 0) {
    console.error(`build:npm: imported but not in dependencies: ${[...undeclared].join(", ")}`);
    return 1;
  }

  await Deno.writeTextFile(
    `${out}/package.json`,
    JSON.stringify(packageJson(denoJson, entries, dependencies), null, 2) + "\n",
  );
  for (const file of ["README.md", "LICENSE"]) {
    await Deno.copyFile(`${rootPath}${file}`, `${out}/${file}`);
  }

  const modules = emitted.filter((file) => file.endsWith(".js")).length;
  console.log(
    `build:npm: ${denoJson.name}@${denoJson.version} in ${relative(out, rootPath)}: ` +
      `${modules} modules, dependencies ${
        dependencies.map(({ name, range }) => `${name}@${range}`).join(", ") || "none"
      }, ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  if (denoTypes.length > 0) {
    console.error(
      `build:npm: ${denoTypes.length} .d.ts files name Deno types, ` +
        `unknown to TypeScript on Node and Bun:\n  ${denoTypes.join("\n  ")}`,
    );
    return 1;
  }
  return 0;
}

/** deno.json's exports as `[subpath, file]` pairs, e.g. `[".", "mod.ts"]`. */
function exportEntries(denoJson: DenoJson): [string, string][] {
  const exports = typeof denoJson.exports === "string"
    ? { ".": denoJson.exports }
    : denoJson.exports;
  return Object.entries(exports).map(([subpath, file]) => [subpath, file.replace(/^\.\//, "")]);
}

/**
 * The npm packages the modules reachable from `entries` import, read from Deno's own module
 * graph: a package only the tests, tools or examples import (fast-check, modern-tar) is not
 * in it. A `jsr:` or remote import cannot be turned into an npm dependency here.
 */
async function npmDependencies(entries: string[]): Promise<NpmDependency[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", ...entries],
    cwd: fromFileUrl(ROOT),
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`deno info failed (exit code ${output.code})`);
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as { modules: InfoModule[] };
  const found = new Map<string, NpmDependency>();
  for (const module of info.modules) {
    if (!module.specifier.startsWith("file:")) continue;
    for (const dependency of module.dependencies ?? []) {
      const resolved = dependency.code?.specifier ?? dependency.type?.specifier ?? "";
      if (resolved.startsWith("file:") || resolved.startsWith("node:")) continue;
      const npm = parseNpmSpecifier(resolved);
      if (npm === undefined) {
        throw new Error(
          `${module.specifier} imports ${dependency.specifier} (${resolved}), ` +
            "which has no npm package",
        );
      }
      found.set(npm.name, { name: npm.name, range: npm.range });
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** `npm:rxjs@^7.8.2/operators` as `{ name: "rxjs", range: "^7.8.2" }`; else undefined. */
function parseNpmSpecifier(
  specifier: string,
): { name: string; range: string; subpath: string } | undefined {
  const match = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)(?:@([^/]+))?(\/.*)?$/.exec(specifier);
  if (!match) return undefined;
  return { name: match[1]!, range: match[2] ?? "*", subpath: match[3] ?? "" };
}

/**
 * Runs TypeScript over the entries (it follows their imports) with JSR's kind of transpile:
 * no type-check, ESM out, `.ts` specifiers rewritten to `.js` in the JavaScript.
 */
async function transpile(
  denoJson: DenoJson,
  entries: [string, string][],
  rootPath: string,
  out: string,
): Promise<void> {
  const scratch = await Deno.makeTempDir({ prefix: "podrx-build-npm-" });
  try {
    const tsconfig = {
      compilerOptions: {
        ...denoJson.compilerOptions,
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        allowImportingTsExtensions: true,
        rewriteRelativeImportExtensions: true,
        declaration: true,
        // As JSR: the source is checked by `deno task check`, and tsc does not know `Deno`.
        noCheck: true,
        skipLibCheck: true,
        types: [],
        newLine: "lf",
        rootDir: rootPath,
        outDir: out,
      },
      files: entries.map(([, path]) => `${rootPath}${path}`),
    };
    await Deno.writeTextFile(`${scratch}/tsconfig.json`, JSON.stringify(tsconfig, null, 2));
    const output = await new Deno.Command(Deno.execPath(), {
      // Outside the project's config and lock file: TypeScript is the build's, not the package's.
      args: ["run", "-A", "--no-config", "--no-lock", TYPESCRIPT, "-p", `${scratch}/tsconfig.json`],
      cwd: scratch,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!output.success) throw new Error(`tsc failed (exit code ${output.code})`);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/**
 * Rewrites module specifiers for npm: a relative `.ts` one becomes `.js` (tsc does this in
 * the JavaScript but keeps `.ts` in declarations), and an `npm:name@range/sub` one becomes
 * `name/sub`.
 */
function rewriteSpecifiers(text: string): string {
  return text.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"'\n]+)\2/g,
    (whole, keyword: string, quote: string, specifier: string) => {
      let rewritten = specifier;
      if (/^\.\.?\//.test(specifier) && specifier.endsWith(".ts") && !specifier.endsWith(".d.ts")) {
        rewritten = `${specifier.slice(0, -3)}.js`;
      }
      const npm = parseNpmSpecifier(specifier);
      if (npm) rewritten = `${npm.name}${npm.subpath}`;
      return rewritten === specifier ? whole : `${keyword}${quote}${rewritten}${quote}`;
    },
  );
}

/** The npm package names a module imports (bare specifiers, not `node:` built-ins). */
function barePackages(text: string): string[] {
  const names: string[] = [];
  const code = withoutComments(text);
  for (
    const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"'\n]+)\1/g)
  ) {
    const specifier = match[2]!;
    if (/^(\.\.?\/|node:)/.test(specifier)) continue;
    names.push(/^(@[^/]+\/)?[^/]+/.exec(specifier)![0]);
  }
  return names;
}

/** The text without its block and line comments (docs mention `Deno.` and import examples). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** The package.json JSR's npm layer would write: ESM, one `types`/`default` pair per export. */
function packageJson(
  denoJson: DenoJson,
  entries: [string, string][],
  dependencies: NpmDependency[],
): Record<string, unknown> {
  const exports: Record<string, { types: string; default: string }> = {};
  for (const [subpath, path] of entries) {
    const base = `./${path.replace(/\.ts$/, "")}`;
    exports[subpath] = { types: `${base}.d.ts`, default: `${base}.js` };
  }
  return {
    name: denoJson.name,
    version: denoJson.version,
    ...(denoJson.license ? { license: denoJson.license } : {}),
    homepage: `https://jsr.io/${denoJson.name}`,
    type: "module",
    exports,
    dependencies: Object.fromEntries(dependencies.map(({ name, range }) => [name, range])),
  };
}

/** Every file under `dir`, as paths relative to it, sorted. */
async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) files.push(...await listFiles(dir, `${path}/`));
    else files.push(path);
  }
  return files.sort();
}

function fromFileUrl(url: URL): string {
  return decodeURIComponent(url.pathname);
}

function relative(path: string, rootPath: string): string {
  return path.startsWith(rootPath) ? path.slice(rootPath.length) : path;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
