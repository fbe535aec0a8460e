/**
 * The file seam on Node and Bun, over `node:fs`.
 *
 * @module
 */
import type * as Fs from "node:fs";
import type * as FsPromises from "node:fs/promises";
import type * as Os from "node:os";
import type { DirEntry, FileInfo, FilePath, Files, OpenFile, OpenOptions } from "./files.ts";
import { nodeBuiltin } from "./node_builtin.ts";

// What one pull of a file's `readable` reads: large enough that a 512 MiB archive is few
// reads, small enough to keep memory flat.
const READ_CHUNK = 256 * 1024;

function info(stats: Fs.Stats): FileInfo {
  return {
    isFile: stats.isFile(),
    isDirectory: stats.isDirectory(),
    isSymlink: stats.isSymbolicLink(),
    isSocket: stats.isSocket(),
    size: stats.size,
    mtime: stats.mtime,
    mode: stats.mode,
    dev: stats.dev,
    ino: stats.ino,
    nlink: stats.nlink,
  };
}

// The open(2) flags Deno's options stand for.
function flags(options: OpenOptions, constants: typeof Fs.constants): number {
  const writes = options.write === true || options.append === true;
  let flags = writes ? (options.read ? constants.O_RDWR : constants.O_WRONLY) : constants.O_RDONLY;
  if (options.append) flags |= constants.O_APPEND;
  if (options.createNew) flags |= constants.O_CREAT | constants.O_EXCL;
  else if (options.create) flags |= constants.O_CREAT;
  if (options.truncate) flags |= constants.O_TRUNC;
  return flags;
}

/** Files on Node and Bun. */
export function nodeFiles(): Files {
  const fs = nodeBuiltin<typeof Fs>("node:fs");
  const promises = nodeBuiltin<typeof FsPromises>("node:fs/promises");
  const os = nodeBuiltin<typeof Os>("node:os");
  return {
    stat: async (path) => info(await promises.stat(path)),
    statSync: (path) => info(fs.statSync(path)),
    lstat: async (path) => info(await promises.lstat(path)),
    lstatSync: (path) => info(fs.lstatSync(path)),
    realPath: (path) => promises.realpath(path),
    readTextFile: (path) => promises.readFile(path, "utf8"),
    readTextFileSync: (path) => fs.readFileSync(path, "utf8"),
    readFileSync: (path) => new Uint8Array(fs.readFileSync(path)),
    readLinkSync: (path) => fs.readlinkSync(path),
    readDir: (path) => entries(promises, path),
    mkdir: async (path, options) => {
      await promises.mkdir(path, options);
    },
    makeTempDir: (options) => promises.mkdtemp(`${os.tmpdir()}/${options.prefix}`),
    rename: (from, to) => promises.rename(from, to),
    remove: (path, options) => promises.rm(path, { recursive: options?.recursive ?? false }),
    removeSync: (path, options) => fs.rmSync(path, { recursive: options?.recursive ?? false }),
    open: async (path, options) =>
      openFile(await promises.open(path, flags(options, fs.constants), options.mode)),
  };
}

async function* entries(promises: typeof FsPromises, path: FilePath): AsyncIterable<DirEntry> {
  for await (const entry of await promises.opendir(path)) {
    yield {
      name: entry.name,
      isFile: entry.isFile(),
      isDirectory: entry.isDirectory(),
      isSymlink: entry.isSymbolicLink(),
    };
  }
}

function openFile(handle: FsPromises.FileHandle): OpenFile {
  let closed: Promise<void> | undefined;
  // Closing twice is harmless here (Deno's second close throws; callers guard for that).
  const close = (): Promise<void> => closed ??= handle.close().catch(() => undefined);
  const read = async (buffer: Uint8Array): Promise<number | null> => {
    if (buffer.byteLength === 0) return 0;
    const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, null);
    return bytesRead === 0 ? null : bytesRead;
  };
  const write = async (bytes: Uint8Array): Promise<number> =>
    (await handle.write(bytes, 0, bytes.byteLength, null)).bytesWritten;
  return {
    read,
    write,
    get readable(): ReadableStream<Uint8Array> {
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          const chunk = new Uint8Array(READ_CHUNK);
          const count = await read(chunk);
          if (count === null) {
            await close();
            controller.close();
          } else {
            controller.enqueue(chunk.subarray(0, count));
          }
        },
        cancel: () => close(),
      });
    },
    get writable(): WritableStream<Uint8Array> {
      return new WritableStream<Uint8Array>({
        async write(chunk) {
          for (let offset = 0; offset < chunk.byteLength;) {
            offset += await write(chunk.subarray(offset));
          }
        },
        close: () => close(),
        abort: () => close(),
      });
    },
    stat: async () => info(await handle.stat()),
    sync: () => handle.sync(),
    close: () => void close(),
  };
}
