/**
 * What `tests/run.ts` runs: the test files its arguments name, split into the flags for each
 * `deno test` and the files, each marked by whether it needs a test bed, with the heaviest
 * first so that the lanes running them at once end at about the same time.
 *
 * @module
 */

import { TEST_BED_ENV } from "./env.ts";

/** One test file to run. */
export interface TestFile {
  /** Path as given or found, e.g. `tests/images/build_test.ts`. */
  path: string;
  /** Whether it reads the test bed (it imports `tests/bed/env.ts`, itself or through a helper). */
  needsBed: boolean;
  /** Whether it must run on the first bed, the one on a rootless user's own socket. */
  firstBed: boolean;
  /** About how many seconds it takes; only the order of the run depends on it. */
  weight: number;
}

/** `deno test` arguments taken apart. */
export interface TestPlan {
  /** Flags for every `deno test`, e.g. `--filter=…`; `--ignore` is applied here instead. */
  flags: string[];
  /**
   * Whether the runner type-checks the files itself, all at once, and runs them with
   * `--no-check`: unless `--no-check` or `--check…` was given, or `--doc` (whose blocks only
   * `deno test` checks).
   */
  check: boolean;
  /** Whether to stop starting files after the first that fails (`--fail-fast`). */
  failFast: boolean;
  /** The files, heaviest first. */
  files: TestFile[];
}

// Seconds each took on the host leg (Podman 4.3) when this was written; a file not named here
// counts as one second. A stale entry costs only balance, never a test.
const WEIGHTS: Readonly<Record<string, number>> = {
  "tests/images/build_test.ts": 48,
  "tests/images/load_save_test.ts": 27,
  "tests/client/permissions_test.ts": 23,
  "tests/readme/readme_examples_test.ts": 18,
  "tests/examples/examples_test.ts": 10,
  "tests/client/ssh_test.ts": 10,
  "tests/images/images_manager_test.ts": 9,
  "tests/images/pull_push_test.ts": 7,
  "tests/client/base_url_test.ts": 6,
  "tests/tar/tar_reader_test.ts": 6,
  "tests/images/option_versions_test.ts": 5,
  "tests/images/registry_data_test.ts": 4,
  "tests/faults/archive_faults_test.ts": 4,
  "tests/manifests/multiplatform_test.ts": 4,
  "tests/service/spawn_service_test.ts": 3,
  "tests/credentials/auth_file_lookup_test.ts": 3,
  "tests/images/read_churn_test.ts": 3,
};

// Files whose tests find the bed's service where a rootless user's own service listens
// (`new PodmanClient()` without a URL). Only the first bed's service is there.
const FIRST_BED: readonly string[] = ["tests/client/rootless_test.ts"];

// deno test's options that take their value as the next argument; any other takes it after `=`.
const VALUE_FLAGS: readonly string[] = [
  "--filter",
  "--ignore",
  "--seed",
  "--reporter",
  "--junit-path",
  "--location",
  "--config",
  "-c",
];

// deno test's default pattern for files in a directory.
const TEST_FILE = /(^|[._])test\.(ts|tsx|mts|js|mjs|jsx)$/;

/**
 * Takes the runner's arguments (`deno test` arguments) apart: flags stay flags, paths become
 * the test files under them less those under `--ignore`.
 *
 * @param args As given to `tests/run.ts`; no path means `tests/`.
 * @returns The plan.
 * @throws {Error} (as a rejection) For a path that does not exist.
 */
export async function planTests(args: readonly string[]): Promise<TestPlan> {
  const flags: string[] = [];
  const paths: string[] = [];
  const ignored: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-")) {
      paths.push(arg);
      continue;
    }
    const [name] = arg.split("=", 1) as [string];
    const value = arg.includes("=")
      ? arg.slice(name.length + 1)
      : VALUE_FLAGS.includes(name) && i + 1 < args.length
      ? args[++i]!
      : undefined;
    if (name === "--ignore") {
      ignored.push(...(value ?? "").split(",").filter(Boolean).map(normalize));
    } else {
      flags.push(value === undefined ? arg : `${name}=${value}`);
    }
  }
  const found = new Set<string>();
  for (const path of paths.length > 0 ? paths : ["tests/"]) {
    for (const file of await testFilesUnder(normalize(path))) found.add(file);
  }
  const kept = [...found].filter((file) =>
    !ignored.some((ignore) => file === ignore || file.startsWith(`${ignore}/`))
  );
  const texts = new Map<string, Promise<string>>();
  const files = await Promise.all(
    kept.sort().map(async (path) => {
      const fromRoot = absolute(path).slice(ROOT.length);
      return {
        path,
        needsBed: await importsBed(absolute(path), texts),
        firstBed: FIRST_BED.includes(fromRoot),
        weight: WEIGHTS[fromRoot] ?? 1,
      };
    }),
  );
  files.sort((a, b) => b.weight - a.weight);
  return {
    flags,
    check: !flags.some((flag) => /^--(no-check|check|doc)(=|$)/.test(flag)),
    failFast: flags.some((flag) => flag === "--fail-fast" || flag.startsWith("--fail-fast=")),
    files,
  };
}

function normalize(path: string): string {
  return path.replace(/^\.\//, "").replace(/\/+$/, "");
}

async function testFilesUnder(path: string): Promise<string[]> {
  const info = await Deno.stat(path).catch(() => {
    throw new Error(`no such test file or directory: ${path}`);
  });
  if (info.isFile) return [path];
  const files: string[] = [];
  for await (const entry of Deno.readDir(path)) {
    const child = `${path}/${entry.name}`;
    if (entry.isDirectory) files.push(...await testFilesUnder(child));
    else if (entry.isFile && TEST_FILE.test(entry.name)) files.push(child);
  }
  return files;
}

// Static and dynamic imports, and re-exports, of a relative path.
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;
// The checkout, with a trailing slash; decoded, as a path with a space in it is `%20` in the URL.
const ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const TESTS = `${ROOT}tests/`;
const BED_ENV = `${TESTS}bed/env.ts`;

/**
 * Whether `path` (absolute) imports the bed's environment, itself or through the test helpers
 * it imports (only files under tests/ are followed: the library never imports the tests), or
 * reads the bed's variables itself.
 */
async function importsBed(path: string, texts: Map<string, Promise<string>>): Promise<boolean> {
  const visited = new Set<string>();
  const pending = [path];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (visited.has(file)) continue;
    visited.add(file);
    if (file === BED_ENV) return true;
    let text = texts.get(file);
    if (text === undefined) {
      // A file that cannot be read is deno's to report, not this scan's.
      text = Deno.readTextFile(file).catch(() => "");
      texts.set(file, text);
    }
    const source = await text;
    if (Object.values(TEST_BED_ENV).some((name) => source.includes(`"${name}"`))) return true;
    for (const match of source.matchAll(RELATIVE_IMPORT)) {
      const target = join(file, `../${match[1]!}`);
      if (target.startsWith(TESTS)) pending.push(target);
    }
  }
  return false;
}

function absolute(path: string): string {
  return path.startsWith("/") ? join(path, ".") : join(`${Deno.cwd()}/`, path);
}

/** `relative` resolved against the directory path `base` names (`/a/b/` or `/a/b/file/..`). */
function join(base: string, relative: string): string {
  const parts: string[] = [];
  for (const part of `${base}/${relative}`.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "." && part !== "") parts.push(part);
  }
  return `/${parts.join("/")}`;
}
