/**
 * Throwaway images for tests that change or delete what they use, made offline with the
 * Podman CLI on the test bed's storage (the seeded images stay untouched).
 *
 * @module
 */

import { podmanCli } from "../bed/env.ts";

/** A unique suffix, so tests running side by side never share names. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Imports a tiny image (one file with random content, so every image has its own id) under
 * `name`, with the given labels. Returns its id.
 */
export async function importImage(
  name: string,
  labels: Record<string, string> = {},
): Promise<string> {
  const work = await Deno.makeTempDir({ prefix: "podrx-fixture-" });
  try {
    await Deno.writeTextFile(`${work}/marker.txt`, crypto.randomUUID());
    const tar = await new Deno.Command("tar", {
      args: ["--create", "--file", `${work}/rootfs.tar`, "--directory", work, "marker.txt"],
    }).output();
    if (!tar.success) throw new Error(`tar failed: ${new TextDecoder().decode(tar.stderr)}`);
    const changes = Object.entries(labels).flatMap(([key, value]) => [
      "--change",
      `LABEL ${key}=${value}`,
    ]);
    const result = await podmanCli(["import", ...changes, `${work}/rootfs.tar`, name]);
    if (result.code !== 0) throw new Error(`podman import failed: ${result.stderr}`);
    return result.stdout.trim().split("\n").at(-1)!.replace(/^sha256:/, "");
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** Runs the Podman CLI and fails the test when it fails. */
export async function podmanOk(args: string[]): Promise<string> {
  const result = await podmanCli(args);
  if (result.code !== 0) {
    throw new Error(`podman ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  }
  return result.stdout;
}
