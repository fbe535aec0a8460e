/**
 * The version of the bed's Podman service, for tests that expect what one server version does
 * and another does not: a bug an old server has, or something only a new one offers. Each
 * such test names the versions in its gate, so it says which server it was written against.
 *
 * @module
 */

import { PodmanClient } from "../../src/podman/podman_client.ts";
import { testBed } from "./env.ts";

let asked: Promise<readonly [number, number, number]> | undefined;

/**
 * The bed service's own version (`/version`'s `ApiVersion`, which Podman sets to its own
 * release), asked once per test process.
 *
 * @returns Major, minor and patch.
 */
export function serverVersion(): Promise<readonly [number, number, number]> {
  asked ??= (async () => {
    await using podman = new PodmanClient({ baseUrl: `unix://${testBed().socketPath}` });
    const [major = 0, minor = 0, patch = 0] = (await podman.apiVersion()).split(".").map(Number);
    return [major, minor, patch] as const;
  })();
  return asked;
}

/**
 * Whether the bed's server is at least the given version.
 *
 * @param major The major version.
 * @param minor The minor version.
 * @returns True for that version or a later one.
 */
export async function serverAtLeast(major: number, minor = 0): Promise<boolean> {
  const [actualMajor, actualMinor] = await serverVersion();
  return actualMajor > major || (actualMajor === major && actualMinor >= minor);
}
