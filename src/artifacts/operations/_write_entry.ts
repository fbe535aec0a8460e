import { PodmanError } from "../../errors.ts";
import { copyToFile } from "../../streams/_copy_to_file.ts";
import { freeBytes } from "../../streams/_free_sent_chunks.ts";
import type { TarEntry } from "../../tar/tar_entry.ts";
import type { OpenFile } from "../../runtime/files.ts";
import { files } from "../../runtime/runtime.ts";

/**
 * A name for the file being written, beside where it goes: hidden, and with a random part, so
 * that it meets no file of the artifact or of the caller (it is made with `createNew`).
 */
function partialPath(path: string): string {
  const slash = path.lastIndexOf("/");
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.podrx-partial-${
    crypto.randomUUID().slice(0, 8)
  }`;
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await files.remove(path);
  } catch {
    // Never made, or gone already.
  }
}

/**
 * Writes one entry's bytes into `path` through a partial file renamed into place once whole,
 * so that a failure or an unsubscribe never leaves a cut-off file under the file's own name
 * (nor spoils a file that was there before). The bytes go through `copyToFile`'s two 1 MiB
 * buffers: the server's chunks are ~32 KiB, and a write per chunk made extracting 256 MiB
 * ~1.5 times slower. Memory holds two buffers and one chunk.
 *
 * With `release`, each chunk's memory is given back once copied, not at V8's next collection,
 * which let ~35 MiB of them pile up for a 256 MiB file: for an archive read from a byte
 * stream, where each chunk is ours alone (the tar reader hands a body's bytes over as a copy,
 * or as the last bytes of a source chunk).
 */
export async function writeEntry(
  entry: TarEntry,
  path: string,
  action: string,
  release: boolean,
  hooks: { read(): void; written(total: number): void },
): Promise<number> {
  const partial = partialPath(path);
  let file: OpenFile;
  try {
    file = await files.open(partial, { write: true, createNew: true });
  } catch (error) {
    await entry.body.cancel();
    throw new PodmanError(`${action}: cannot write "${path}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const written = await copyToFile(entry.body, file, {
      ...hooks,
      ...(release ? { copied: freeBytes } : {}),
      // Sorted out below, with the write errors.
      readError: (error) => error as Error,
      writeError: (error) => error as Error,
    });
    file.close();
    await files.rename(partial, path);
    return written;
  } catch (error) {
    try {
      file.close();
    } catch {
      // Closed already.
    }
    await removeQuietly(partial);
    if (error instanceof PodmanError || (error as Error)?.name === "AbortError") throw error;
    throw new PodmanError(`${action}: cannot write "${path}": ${(error as Error).message}`, {
      cause: error,
    });
  }
}
