/**
 * Which Podman the test bed runs. By default the host's `podman` (Debian bookworm's 4.3);
 * with `PODRX_PODMAN=5`, Podman 5 from the Debian trixie chroot that
 * `.ci/podman5/build-chroot` makes, through its launcher `.ci/podman5/podman`.
 *
 * The launcher mounts the host's /tmp at the same path inside the chroot, so the bed's temp
 * directories (storage, socket, `registries.conf`, tars to import) need no translation.
 *
 * @module
 */

import { PODMAN_PROGRAM_ENV, podmanProgram } from "./env.ts";

/** Names the variable that picks the Podman of the bed: unset, `"4"` or `"5"`. */
export const PODMAN_VERSION_ENV = "PODRX_PODMAN";

// Decoded: a checkout path with a space in it is `%20` in the URL.
const CHROOT_LAUNCHER = decodeURIComponent(
  new URL("../../.ci/podman5/podman", import.meta.url).pathname,
);

/** The Podman program the bed will run. */
export interface SelectedPodman {
  /** Program name or path, also left in `PODRX_TEST_PODMAN` for the tests' CLI calls. */
  program: string;
  /** What `podman --version` says, e.g. `podman version 5.4.2`. */
  version: string;
}

/**
 * Picks the bed's Podman from `PODRX_PODMAN` and checks that it runs. For Podman 5 it sets
 * `PODRX_TEST_PODMAN` in this process, which the service, the seeding and (by inheritance)
 * the test process read.
 *
 * @returns The program and its version.
 * @throws {Error} (as a rejection) For an unknown `PODRX_PODMAN`, or a program that does not
 * run (e.g. the chroot was never built).
 */
export async function selectPodman(): Promise<SelectedPodman> {
  const wanted = Deno.env.get(PODMAN_VERSION_ENV) ?? "";
  if (wanted === "5") {
    Deno.env.set(PODMAN_PROGRAM_ENV, CHROOT_LAUNCHER);
  } else if (wanted !== "" && wanted !== "4") {
    throw new Error(`${PODMAN_VERSION_ENV} must be "4" or "5", not ${JSON.stringify(wanted)}`);
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
  if (wanted !== "" && !version.startsWith(`podman version ${wanted}.`)) {
    throw new Error(`${PODMAN_VERSION_ENV}=${wanted} asks for Podman ${wanted}, got: ${version}`);
  }
  return { program, version };
}
