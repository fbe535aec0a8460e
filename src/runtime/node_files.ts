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
      return coalescingWritable(handle, close);
    },
    stat: async () => info(await handle.stat()),
    sync: () => handle.sync(),
    close: () => void close(),
  };
}

// How many bytes a file's writable takes in before a write waits for the disk.
const QUEUED_WRITE_BYTES = 1024 * 1024;

/**
 * A stream into the file that gathers the chunks arriving while a write is under way and writes
 * them with one `writev`, as Node's own `fs.WriteStream` does: one trip to the thread pool per
 * batch instead of per chunk (a socket gives 64 KiB chunks: 8,192 writes for 512 MiB). Nothing
 * waits to fill a batch, so bytes reach the file as soon as the disk takes them.
 */
function coalescingWritable(
  handle: FsPromises.FileHandle,
  close: () => Promise<void>,
): WritableStream<Uint8Array> {
  let queued: Uint8Array[] = [];
  let queuedBytes = 0;
  let writing: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;
  // Lets a write that found the queue full go on, once a batch has left it.
  let onDrained: (() => void) | undefined;
  const throwIfFailed = (): void => {
    if (failure) throw failure.error;
  };

  const writeAll = async (chunks: Uint8Array[]): Promise<void> => {
    let written = (await handle.writev(chunks)).bytesWritten;
    // A short write: the rest one piece at a time.
    for (const chunk of chunks) {
      if (written >= chunk.byteLength) {
        written -= chunk.byteLength;
        continue;
      }
      for (let offset = written; offset < chunk.byteLength;) {
        offset += (await handle.write(chunk, offset, chunk.byteLength - offset)).bytesWritten;
      }
      written = 0;
    }
  };
  const drain = async (): Promise<void> => {
    try {
      while (queued.length > 0) {
        const chunks = queued;
        queued = [];
        queuedBytes = 0;
        onDrained?.();
        onDrained = undefined;
        await writeAll(chunks);
      }
    } catch (error) {
      failure = { error };
      onDrained?.();
    } finally {
      writing = undefined;
    }
  };
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      throwIfFailed();
      queued.push(chunk);
      queuedBytes += chunk.byteLength;
      writing ??= drain();
      if (queuedBytes >= QUEUED_WRITE_BYTES) {
        await new Promise<void>((resolve) => onDrained = resolve);
        throwIfFailed();
      }
    },
    async close() {
      try {
        while (writing) await writing;
        throwIfFailed();
      } finally {
        await close();
      }
    },
    async abort() {
      await writing;
      await close();
    },
  });
}
