import { PodmanError } from "../../../errors.ts";
import { freeBytes } from "../../../streams/_free_sent_chunks.ts";
import { singleFileTar } from "../../../tar/single_file.ts";
import { createTarWriter, TarBodySizeError, type TarWriter } from "../../../tar/writer.ts";
import { PROBE_PREFIX } from "../_local_api.ts";
import { ContextIgnore } from "./_ignore.ts";
import {
  absolute,
  below,
  checkDirectory,
  findDockerfile,
  findIgnoreFile,
  patternsOf,
} from "./_locate.ts";

/** A build context ready to upload, and the parameters that go with it. */
export interface PackedContext {
  /** The tar stream; it reads the disk as it is read, and cancelling it closes what is open. */
  body: ReadableStream<Uint8Array>;
  /** The Dockerfile's path inside the context, for the `dockerfile` parameter. */
  dockerfile: string;
  /** Ignore patterns for the server's `COPY`, when there are any. */
  excludes: string[] | undefined;
  /** Why packing failed, once it did (a file that cannot be read, or changed while read). */
  failure(): unknown;
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function privateDockerfileName(): string {
  const random = crypto.getRandomValues(new Uint8Array(10));
  return `.podrx-dockerfile-${Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function modeOf(info: Deno.FileInfo, fallback: number): number {
  return info.mode === null ? fallback : info.mode & 0o7777;
}

function mtimeOf(info: Deno.FileInfo): Date {
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
async function addFile(
  writer: TarWriter,
  path: string,
  name: string,
  info: Deno.FileInfo,
  action: string,
): Promise<void> {
  const header = { name, size: info.size, mode: modeOf(info, 0o644), mtime: mtimeOf(info) };
  try {
    if (info.size <= READ_WHOLE_BYTES) {
      const bytes = Deno.readFileSync(path);
      await writer.add(header, bytes);
      // Copied into the archive's chunks: the file's bytes are garbage now.
      freeBytes(bytes);
      return;
    }
    const file = await Deno.open(path, { read: true });
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
  for await (const entry of Deno.readDir(dir === "" ? root : `${root}/${dir}`)) {
    names.push(entry.name);
  }
  names.sort();
  for (const name of names) {
    // Another operation's probe (see _local_api.ts): there for milliseconds, never content.
    if (name.startsWith(PROBE_PREFIX)) continue;
    const relative = dir === "" ? name : `${dir}/${name}`;
    const path = `${root}/${relative}`;
    const info = Deno.lstatSync(path);
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
        linkname: Deno.readLinkSync(path),
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

/**
 * Runs `produce` into a fresh tar writer and returns the archive as a stream. Cancelling the
 * stream (or aborting `signal`) stops the producer; `cancel()` resolves once it has stopped
 * and closed its files.
 */
export function streamTar(
  produce: (writer: TarWriter) => Promise<void>,
  signal: AbortSignal,
): { stream: ReadableStream<Uint8Array>; failure(): unknown } {
  const writer = createTarWriter();
  let failure: unknown;
  let cancelled = false;
  const stop = (reason: unknown): void => {
    try {
      writer.abort(reason);
    } catch {
      // Already finished.
    }
  };
  const onAbort = (): void => stop(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const done = (async () => {
    try {
      await produce(writer);
      writer.finalize();
    } catch (error) {
      // Failing because the reader left is no failure of the packing.
      if (!signal.aborted && !cancelled) failure ??= error;
      stop(error);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  })();
  const archive = writer.readable.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await archive.read();
      } catch (error) {
        // Fail with the producer's own reason, once it has let go of its files.
        await done;
        throw failure ?? error;
      }
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    async cancel(reason) {
      cancelled = true;
      await archive.cancel(reason);
      await done;
    },
  }, { highWaterMark: 0 });
  return { stream, failure: () => failure };
}

/** A context directory as found on disk, checked; see {@linkcode locateContext}. */
export interface ContextLocation {
  /** The directory as given, made absolute. */
  directory: string;
  /** Its real path (symlinks resolved). */
  root: string;
  /** The Dockerfile's real path. */
  dockerfile: string;
  /** The Dockerfile's path below `root`, or `undefined` when it lies outside the context. */
  inside: string | undefined;
  /** The ignore file's text, when there is one. */
  ignoreText: string | undefined;
  /** The ignore file's path below `root`, when it lies inside the context. */
  ignoreInside: string | undefined;
  /** The ignore file's patterns, as Podman's server takes them. */
  patterns: string[];
}

/**
 * Finds and checks what a build from a directory uses: the directory, the Dockerfile (the one
 * named, else `Containerfile` or `Dockerfile`) and the ignore file, as Podman looks them up.
 * A bad path fails here, before anything is sent.
 *
 * @throws {PodmanError} (as a rejection) For a missing or unreadable directory or Dockerfile.
 */
export async function locateContext(
  path: string,
  dockerfile: string | undefined,
  action: string,
): Promise<ContextLocation> {
  const directory = absolute(path, Deno.cwd());
  try {
    await checkDirectory(directory, action);
    const root = await Deno.realPath(directory);
    const dockerfilePath = await findDockerfile(directory, dockerfile, action);
    const ignoreFile = await findIgnoreFile(directory, dockerfilePath);
    const ignoreReal = ignoreFile && await Deno.realPath(ignoreFile.path);
    return {
      directory,
      root,
      dockerfile: dockerfilePath,
      inside: below(root, dockerfilePath),
      ignoreText: ignoreFile?.text,
      ignoreInside: ignoreReal && below(root, ignoreReal),
      patterns: patternsOf(ignoreFile?.text ?? ""),
    };
  } catch (error) {
    if (error instanceof PodmanError) throw error;
    throw new PodmanError(`${action}: cannot read the context "${directory}": ${reason(error)}`, {
      cause: error,
    });
  }
}

/**
 * Packs a context directory as a tar stream, read from disk while it uploads: entries sorted,
 * the ignore file applied with Docker's semantics, the Dockerfile and the ignore file always
 * included, a Dockerfile from outside the context added under a private name.
 *
 * Checks the directory and the Dockerfile first, so a bad path fails before anything is sent.
 */
export async function packDirectory(
  path: string,
  dockerfile: string | undefined,
  action: string,
  signal: AbortSignal,
): Promise<PackedContext> {
  return packContext(await locateContext(path, dockerfile, action), action, signal);
}

/** What the upload leaves out: the ignore file's matches, but never the Dockerfile or itself. */
function ignoreOf(location: ContextLocation): ContextIgnore {
  const keep = [location.inside, location.ignoreInside]
    .filter((kept): kept is string => kept !== undefined);
  return new ContextIgnore(location.ignoreText ?? "", keep);
}

/**
 * The first entry of the context that Podman, reading the directory in place, would take
 * otherwise than the upload does, as a path below the root; `undefined` when there is none.
 * The upload leaves FIFOs, sockets and devices out and sends each hard link as a file of its
 * own; Podman copies those entries and keeps hard links (seen on Podman 5.8), which makes
 * another image. Excluded entries count for neither.
 */
export async function unlikeInPlace(location: ContextLocation): Promise<string | undefined> {
  const filter = ignoreOf(location);
  const linked = new Set<string>();
  const scan = async (dir: string): Promise<string | undefined> => {
    const names: string[] = [];
    for await (
      const entry of Deno.readDir(dir === "" ? location.root : `${location.root}/${dir}`)
    ) {
      names.push(entry.name);
    }
    // In the upload's order, so the entry named is the one the upload would meet first.
    names.sort();
    for (const name of names) {
      if (name.startsWith(PROBE_PREFIX)) continue;
      const relative = dir === "" ? name : `${dir}/${name}`;
      // Synchronous, as in `walk`: the asynchronous call costs several times more.
      const info = Deno.lstatSync(`${location.root}/${relative}`);
      const excluded = filter.excludes(relative);
      if (info.isDirectory) {
        if (!excluded || filter.mustDescend(relative)) {
          const found = await scan(relative);
          if (found !== undefined) return found;
        }
      } else if (excluded || info.isSymlink) {
        continue;
      } else if (!info.isFile) {
        return relative;
      } else if ((info.nlink ?? 1) > 1) {
        // A second name of one file inside the context; a single one is a plain file.
        const key = `${info.dev}:${info.ino}`;
        if (linked.has(key)) return relative;
        linked.add(key);
      }
    }
    return undefined;
  };
  return await scan("");
}

/** Packs a located context directory; see {@linkcode packDirectory}. */
export function packContext(
  location: ContextLocation,
  action: string,
  signal: AbortSignal,
): PackedContext {
  const { directory, root, dockerfile: dockerfilePath, inside, patterns } = location;
  const dockerfileName = inside ?? privateDockerfileName();
  const filter = ignoreOf(location);
  // Sending the patterns makes the server's COPY skip exactly what the upload skipped, and
  // keeps a Dockerfile brought in from outside out of the image.
  const excludes = inside === undefined ? [...patterns, dockerfileName] : patterns;

  const { stream, failure } = streamTar(async (writer) => {
    try {
      await walk({ writer, root, filter, action }, "");
      if (inside === undefined) {
        const info = await Deno.stat(dockerfilePath);
        await addFile(writer, dockerfilePath, dockerfileName, info, action);
      }
    } catch (error) {
      if (error instanceof PodmanError || signal.aborted || isAbortError(error)) throw error;
      throw new PodmanError(`${action}: cannot pack the context "${directory}": ${reason(error)}`, {
        cause: error,
      });
    }
  }, signal);
  return {
    body: stream,
    dockerfile: dockerfileName,
    excludes: excludes.length > 0 ? excludes : undefined,
    failure,
  };
}

/** A tar holding only the Dockerfile, named `name`; a stream Dockerfile is read whole first. */
export async function packDockerfile(
  content: string | Uint8Array | ReadableStream<Uint8Array>,
  name: string,
): Promise<Uint8Array> {
  const bytes = typeof content === "string"
    ? new TextEncoder().encode(content)
    : content instanceof Uint8Array
    ? content
    : await new Response(content).bytes();
  return await singleFileTar(name, bytes);
}
