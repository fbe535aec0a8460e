/**
 * What an image holds, read back from its `save()` archive: for build tests that check the
 * files a build put in the image, and their times.
 *
 * @module
 */

import type { Image } from "../../mod.ts";
import { readTarEntries, type TarEntryRead } from "../tar/_reader.ts";

/**
 * The files of `image` by path (without a leading `/`), the top layer's copy of each: the
 * image's layers in order, from a `docker-archive`.
 */
export async function imageFiles(image: Image): Promise<Map<string, TarEntryRead>> {
  const archive = await readTarEntries(await image.promises.save());
  const byName = new Map(archive.map((entry) => [entry.name, entry]));
  const manifest = JSON.parse(new TextDecoder().decode(byName.get("manifest.json")!.data)) as {
    Layers: string[];
  }[];
  const files = new Map<string, TarEntryRead>();
  for (const layer of manifest[0]!.Layers) {
    for (const entry of await readTarEntries(byName.get(layer)!.data)) {
      files.set(entry.name.replace(/^\.?\//, ""), entry);
    }
  }
  return files;
}
