import { readAllBytes } from "../../../bytes/read_all_bytes.ts";
import { PodmanError } from "../../../errors.ts";
import { singleFileTar } from "../../../tar/single_file.ts";
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
import { streamTar } from "./_stream_tar.ts";
import { addFile, walk } from "./_walk.ts";
import { files, host } from "../../../runtime/runtime.ts";

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
  const directory = absolute(path, host.cwd());
  try {
    await checkDirectory(directory, action);
    const root = await files.realPath(directory);
    const dockerfilePath = await findDockerfile(directory, dockerfile, action);
    const ignoreFile = await findIgnoreFile(directory, dockerfilePath);
    const ignoreReal = ignoreFile && await files.realPath(ignoreFile.path);
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
      const entry of files.readDir(dir === "" ? location.root : `${location.root}/${dir}`)
    ) {
      names.push(entry.name);
    }
    // In the upload's order, so the entry named is the one the upload would meet first.
    names.sort();
    for (const name of names) {
      if (name.startsWith(PROBE_PREFIX)) continue;
      const relative = dir === "" ? name : `${dir}/${name}`;
      // Synchronous, as in `walk`: the asynchronous call costs several times more.
      const info = files.lstatSync(`${location.root}/${relative}`);
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
        const info = await files.stat(dockerfilePath);
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
    : await readAllBytes(content);
  return await singleFileTar(name, bytes);
}
