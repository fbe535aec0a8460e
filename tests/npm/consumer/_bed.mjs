/**
 * The test bed as the consumer's tests see it: the addresses tests/npm/with_bed.ts passes in
 * the environment (the names of tests/bed/env.ts's `TEST_BED_ENV`). Missing ones throw, so a
 * run without a bed fails instead of skipping.
 *
 * @module
 */

import { execFile } from "node:child_process";
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
    execFile(program, [...storage, ...args], { env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`podman ${args.join(" ")}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
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
 * @returns {string} The name with its tag.
 */
export function uniqueName(repository) {
  const suffix = Math.random().toString(36).slice(2, 8);
  const tag = `${runtime.replace(/[ .]/g, "-")}-${suffix}`;
  return `${bed.registry}/podrx-npm/${repository}:${tag}`;
}

/** Time limit of each test: builds on a busy machine. Bun's default is 5 s. */
export const TEST_TIMEOUT_MS = 120_000;
