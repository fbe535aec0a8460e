/**
 * Building throwaway images for the build option tests, and removing them again: a context
 * directory, a build that must end with `built`, and a clean-up that never takes a seeded
 * image with it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import type { BuildOptions, Image, PodmanClient } from "../../mod.ts";
import { testBed } from "../bed/env.ts";

/** A directory with these files (`sub/x` makes `sub`), removed by disposal. */
export async function directory(
  files: Record<string, string>,
): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "podrx-build-dir-" });
  for (const [name, text] of Object.entries(files)) {
    if (name.includes("/")) {
      await Deno.mkdir(`${path}/${name.slice(0, name.lastIndexOf("/"))}`, { recursive: true });
    }
    await Deno.writeTextFile(`${path}/${name}`, text);
  }
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** Builds and returns the image; the caller removes it with {@linkcode removeBuilt}. */
export async function buildImage(podman: PodmanClient, options: BuildOptions): Promise<Image> {
  const last = await lastValueFrom(podman.images.build(options));
  assert.equal(last.type, "built");
  return (last as { image: Image }).image;
}

/**
 * Removes what a test built, newest first, whatever happened; never a seeded image (a build
 * that changed nothing is its base image itself).
 */
export async function removeBuilt(podman: PodmanClient, images: Image[]): Promise<void> {
  const bed = testBed();
  const seeded = new Set<string>();
  for (const name of [bed.busyboxImage, bed.labeledImage]) {
    seeded.add((await podman.images.promises.get(name)).id);
  }
  for (const image of [...images].reverse()) {
    if (seeded.has(image.id)) continue;
    await podman.images.promises.remove(image, { force: true }).catch(() => {});
  }
}
