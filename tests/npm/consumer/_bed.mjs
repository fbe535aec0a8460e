/**
 * The test bed as the consumer's tests see it: the addresses tests/npm/with_bed.ts passes in
 * the environment (the names of tests/bed/env.ts's `TEST_BED_ENV`). Missing ones throw, so a
 * run without a bed fails instead of skipping.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `test bed not running: start with \`deno run -A tests/npm/with_bed.ts -- ...\` (missing ${name})`,
    );
  }
  return value;
}

/** What the bed offers these tests. */
export const bed = {
  /** Path of the bed's Podman service's socket. */
  socketPath: required("PODRX_TEST_SOCKET"),
  /** `unix://` URL of the bed's Podman service. */
  baseUrl: `unix://${required("PODRX_TEST_SOCKET")}`,
  /** `host:port` of the open registry (plain HTTP: `tlsVerify: false`). */
  registry: required("PODRX_TEST_REGISTRY"),
  /** A tiny busybox image the service has; `RUN` works on it. */
  busybox: required("PODRX_TEST_BUSYBOX"),
  /** An empty image with the label `podrx.test=seed`. */
  labeled: required("PODRX_TEST_LABELED"),
  /** `host:port` of the registry with basic authentication (plain HTTP). */
  authRegistry: required("PODRX_TEST_AUTH_REGISTRY"),
  /** User name for `authRegistry`. */
  authUser: required("PODRX_TEST_AUTH_USER"),
  /** Password for `authRegistry`, new for every run: never print it. */
  authPassword: required("PODRX_TEST_AUTH_PASSWORD"),
  /**
   * The Podman program the bed runs (a chroot's launcher with PODRX_PODMAN), for `spawn()`'s
   * `podmanPath`; undefined: `podman` from PATH.
   */
  podmanPath: process.env.PODRX_TEST_PODMAN || undefined,
};

/**
 * Runs the Podman CLI on the bed's storage (as tests/bed/env.ts `podmanCli`), to set up and
 * inspect what a test needs without going through podrx.
 *
 * @param {string[]} args Subcommand and its arguments.
 * @returns {Promise<string>} Standard output; a failure rejects with standard error.
 */
export function podmanCli(args) {
  const storage = [
    "--root",
    required("PODRX_TEST_ROOT"),
    "--runroot",
    required("PODRX_TEST_RUNROOT"),
    "--storage-driver",
    "vfs",
  ];
  const env = {
    ...process.env,
    BUILDAH_ISOLATION: "chroot",
    CONTAINERS_REGISTRIES_CONF: required("PODRX_TEST_REGISTRIES_CONF"),
  };
  const program = process.env.PODRX_TEST_PODMAN || "podman";
  return new Promise((resolve, reject) => {
    execFile(
      program,
      [...storage, ...args],
      { env },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `podman ${args.join(" ")}: ${stderr.trim() || error.message}`,
            ),
          );
        } else resolve(stdout);
      },
    );
  });
}

/**
 * Puts the bed's busybox image in the open registry under `name` and leaves the service
 * without that name, so a pull of it really fetches.
 *
 * @param {string} name A name in the open registry (see {@link uniqueName}).
 */
export async function inRegistryOnly(name) {
  await podmanCli(["tag", bed.busybox, name]);
  try {
    await podmanCli(["push", "--tls-verify=false", name]);
  } finally {
    await podmanCli(["untag", bed.busybox, name]);
  }
}

/**
 * Makes a throwaway image on the bed's storage with its own id (one file of random content),
 * for tests that remove or change what they use; the seeded images stay untouched.
 *
 * @param {string} name Its name, e.g. `localhost/podrx-npm/x:1`.
 * @param {Record<string, string>} [labels] Labels to give it.
 * @returns {Promise<string>} Its id (64 hex digits).
 */
export async function importImage(name, labels = {}) {
  const dir = await mkdtemp(join(tmpdir(), "podrx-npm-fixture-"));
  try {
    await writeFile(join(dir, "marker.txt"), `${name} ${Math.random()}\n`);
    await new Promise((resolve, reject) => {
      execFile(
        "tar",
        [
          "--create",
          "--file",
          join(dir, "rootfs.tar"),
          "--directory",
          dir,
          "marker.txt",
        ],
        (error, _stdout, stderr) => error ? reject(new Error(stderr)) : resolve(),
      );
    });
    const changes = Object.entries(labels).flatMap(([key, value]) => [
      "--change",
      `LABEL ${key}=${value}`,
    ]);
    const out = await podmanCli([
      "import",
      ...changes,
      join(dir, "rootfs.tar"),
      name,
    ]);
    return out.trim().split("\n").at(-1).replace(/^sha256:/, "");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Removes images by name or id with the CLI; one that is not there is no failure.
 *
 * @param {string[]} names Names or ids.
 */
export async function removeImages(...names) {
  for (const name of names) {
    await podmanCli(["rmi", "--force", name]).catch(() => {});
  }
}

/**
 * The bed's server version (`/version`'s `ApiVersion`, which Podman sets to its release), as
 * tests/bed/server_version.ts asks it: for tests whose outcome depends on the server.
 *
 * @param {{ apiVersion(): Promise<string> }} client A client of the bed.
 * @returns {Promise<[number, number, number]>} Major, minor and patch.
 */
export async function serverVersion(client) {
  const [major = 0, minor = 0, patch = 0] = (await client.apiVersion()).split(
    ".",
  ).map(Number);
  return [major, minor, patch];
}

/**
 * Whether the server is at least `major.minor`.
 *
 * @param {{ apiVersion(): Promise<string> }} client A client of the bed.
 * @param {number} major
 * @param {number} [minor]
 * @returns {Promise<boolean>}
 */
export async function serverAtLeast(client, major, minor = 0) {
  const [actualMajor, actualMinor] = await serverVersion(client);
  return actualMajor > major || (actualMajor === major && actualMinor >= minor);
}

/**
 * Every value of a stream, or the error it ended with together with the values before it.
 *
 * @template T
 * @param {import("rxjs").Observable<T>} source
 * @returns {Promise<{ values: T[], error: unknown }>}
 */
export function collect(source) {
  const values = [];
  return new Promise((resolve) =>
    source.subscribe({
      next: (value) => values.push(value),
      error: (error) => resolve({ values, error }),
      complete: () => resolve({ values, error: undefined }),
    })
  );
}

/**
 * Waits until `condition()` holds, polling every 10 ms, and fails after `ms`: for an outcome
 * that another process brings about (a pid gone, a stream cancelled), never a fixed sleep.
 *
 * @param {() => boolean | Promise<boolean>} condition
 * @param {string} what Said in the failure.
 * @param {number} [ms]
 */
export async function eventually(condition, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * `node 24.1.0`, `bun 1.4.5` or `deno 2.9.6`: which runtime runs the tests, for names and
 * messages. (Deno runs them too, on the same npm build, as a control.)
 */
export const runtime = typeof globalThis.Deno === "object"
  ? `deno ${globalThis.Deno.version.deno}`
  : typeof globalThis.Bun === "object"
  ? `bun ${globalThis.Bun.version}`
  : `node ${process.versions.node}`;

/**
 * A registry image name no other run uses, e.g. `127.0.0.1:5000/podrx-npm/live:node-24-x1y2`:
 * the runtimes run one after another on one bed.
 *
 * @param {string} repository Last part of the repository.
 * @param {string} [host] Registry host; `localhost` for a name that stays local.
 * @returns {string} The name with its tag.
 */
export function uniqueName(repository, host = bed.registry) {
  const suffix = Math.random().toString(36).slice(2, 8);
  const tag = `${runtime.replace(/[ .]/g, "-")}-${suffix}`;
  return `${host}/podrx-npm/${repository}:${tag}`;
}

/** Time limit of each test: builds on a busy machine. Bun's default is 5 s. */
export const TEST_TIMEOUT_MS = 120_000;
