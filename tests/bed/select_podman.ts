/**
 * Which Podman the test bed runs. By default the host's `podman` (Debian bookworm's 4.3);
 * with `PODRX_PODMAN=trixie|sid|experimental`, Podman from the Debian chroot that
 * `.ci/chroot/build SUITE` makes (5.4, 5.8 and 6.x today), through its launcher
 * `.ci/chroot/podman`.
 *
 * The launcher mounts the host's /tmp at the same path inside the chroot, so the bed's temp
 * directories (storage, socket, `registries.conf`, tars to import) need no translation.
 *
 * @module
 */

import { PODMAN_PROGRAM_ENV, podmanProgram } from "./env.ts";

/** Names the variable that picks the Podman of the bed: unset or `"host"`, or a chroot's suite. */
export const PODMAN_VERSION_ENV = "PODRX_PODMAN";
/** Names the variable that tells the launcher which chroot to run. */
const CHROOT_ENV = "PODRX_PODMAN_CHROOT";
/** The Debian suites a chroot can be built from, and the Podman major versions each has. */
const CHROOT_SUITES: Readonly<Record<string, RegExp>> = {
  trixie: /^podman version 5\./,
  sid: /^podman version [56]\./,
  experimental: /^podman version 6\./,
};

// Decoded: a checkout path with a space in it is `%20` in the URL.
const CHROOT_LAUNCHER = decodeURIComponent(
  new URL("../../.ci/chroot/podman", import.meta.url).pathname,
);

/** The Podman program the bed will run. */
export interface SelectedPodman {
  /** Program name or path, also left in `PODRX_TEST_PODMAN` for the tests' CLI calls. */
  program: string;
  /** What `podman --version` says, e.g. `podman version 5.4.2`. */
  version: string;
}

/**
 * Picks the bed's Podman from `PODRX_PODMAN` and checks that it runs. For a chroot it sets
 * `PODRX_TEST_PODMAN` and `PODRX_PODMAN_CHROOT` in this process, which the service, the
 * seeding and (by inheritance) the test process read.
 *
 * @returns The program and its version.
 * @throws {Error} (as a rejection) For an unknown `PODRX_PODMAN`, or a program that does not
 * run (e.g. the chroot was never built).
 */
export async function selectPodman(): Promise<SelectedPodman> {
  const wanted = Deno.env.get(PODMAN_VERSION_ENV) ?? "";
  const expected = CHROOT_SUITES[wanted];
  if (expected !== undefined) {
    Deno.env.set(PODMAN_PROGRAM_ENV, CHROOT_LAUNCHER);
    Deno.env.set(
      CHROOT_ENV,
      `${Deno.env.get("PODRX_PODMAN_CHROOT_BASE") ?? "/var/cache/podrx"}/${wanted}`,
    );
  } else if (wanted !== "" && wanted !== "host") {
    throw new Error(
      `${PODMAN_VERSION_ENV} must be "host", ${
        Object.keys(CHROOT_SUITES).map((suite) => JSON.stringify(suite)).join(", ")
      }, not ${JSON.stringify(wanted)}`,
    );
  }
  const program = podmanProgram();
  const output = await new Deno.Command(program, { args: ["--version"], stdin: "null" }).output();
  const decoder = new TextDecoder();
  if (output.code !== 0) {
    throw new Error(
      `Cannot run ${program} --version (exit code ${output.code}): ` +
        decoder.decode(output.stderr).trim(),
    );
  }
  const version = decoder.decode(output.stdout).trim();
  if (expected !== undefined && !expected.test(version)) {
    throw new Error(`${PODMAN_VERSION_ENV}=${wanted} expects ${expected.source}, got: ${version}`);
  }
  return { program, version };
}
