import { PodmanError } from "../../../errors.ts";
import { freeBytes } from "../../../streams/_free_sent_chunks.ts";
import { TarBodySizeError, type TarWriter } from "../../../tar/writer.ts";
import { PROBE_PREFIX } from "../_local_api.ts";
import type { ContextIgnore } from "./_ignore.ts";
import type { FileInfo } from "../../../runtime/files.ts";
import { files } from "../../../runtime/runtime.ts";

function modeOf(info: FileInfo, fallback: number): number {
  return info.mode === null ? fallback : info.mode & 0o7777;
}

function mtimeOf(info: FileInfo): Date {
  // Tar headers cannot hold times before 1970.
  const time = info.mtime?.getTime() ?? 0;
  return new Date(Math.max(0, time));
}

function changedError(action: string, path: string, actual: string, expected: number): Error {
  return new PodmanError(
    `${action}: "${path}" changed while it was sent (${actual} bytes instead of ${expected})`,
  );
}

/** Files up to this size are read whole, in one call; bigger ones are streamed. */
const READ_WHOLE_BYTES = 256 * 1024;

/**
 * Adds one regular file: a small one read whole with one synchronous call (see `walk`), a
 * bigger one read from the open file straight into the archive's chunks. The size in the
 * header is the one `info` gave; a file that then gives more or fewer bytes fails the packing.
 */
export async function addFile(
  writer: TarWriter,
  path: string,
  name: string,
  info: FileInfo,
  action: string,
): Promise<void> {
  const header = { name, size: info.size, mode: modeOf(info, 0o644), mtime: mtimeOf(info) };
  try {
    if (info.size <= READ_WHOLE_BYTES) {
      const bytes = files.readFileSync(path);
      await writer.add(header, bytes);
      // Copied into the archive's chunks: the file's bytes are garbage now.
      freeBytes(bytes);
      return;
    }
    const file = await files.open(path, { read: true });
    try {
      await writer.add(header, file);
    } finally {
      file.close();
    }
  } catch (error) {
    if (!(error instanceof TarBodySizeError)) throw error;
    throw changedError(action, path, error.actual, error.expected);
  }
}

export interface Walk {
  writer: TarWriter;
  root: string;
  filter: ContextIgnore;
  action: string;
}

/**
 * Adds the entries below `dir` (relative; `""` is the root), sorted, depth first.
 *
 * Each entry is stat'ed, and a small file read, with Deno's synchronous calls: the
 * asynchronous ones cost several times the work they do (measured on a local disk: `lstat`
 * 33 µs against 4, reading a 54 KB file 70 µs against 25), and a context of 20,000 files
 * spent most of its packing time on that. Each call holds the event loop for microseconds
 * (a file read whole is at most 256 KiB), and the walk yields whenever the upload is a few
 * chunks behind. Big files are read asynchronously, straight into the archive's chunks.
 */
export async function walk(context: Walk, dir: string): Promise<void> {
  const { writer, root, filter, action } = context;
  const names: string[] = [];
  for await (const entry of files.readDir(dir === "" ? root : `${root}/${dir}`)) {
    names.push(entry.name);
  }
  names.sort();
  for (const name of names) {
    // Another operation's probe (see _local_api.ts): there for milliseconds, never content.
    if (name.startsWith(PROBE_PREFIX)) continue;
    const relative = dir === "" ? name : `${dir}/${name}`;
    const path = `${root}/${relative}`;
    const info = files.lstatSync(path);
    const excluded = filter.excludes(relative);
    if (info.isDirectory) {
      if (!excluded) {
        await writer.add({
          name: `${relative}/`,
          type: "directory",
          mode: modeOf(info, 0o755),
          mtime: mtimeOf(info),
        });
      }
      if (!excluded || filter.mustDescend(relative)) await walk(context, relative);
    } else if (excluded) {
      continue;
    } else if (info.isSymlink) {
      // Archived as a link, never followed: a link may point anywhere on this machine.
      await writer.add({
        name: relative,
        type: "symlink",
        linkname: files.readLinkSync(path),
        mode: modeOf(info, 0o777),
        mtime: mtimeOf(info),
      });
    } else if (info.isFile) {
      await addFile(writer, path, relative, info, action);
    }
    // Sockets, FIFOs and devices are left out: they have no content to send, and reading
    // a FIFO would block.
  }
}
