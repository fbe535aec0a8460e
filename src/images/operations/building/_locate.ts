import { PodmanError } from "../../../errors.ts";
import { cleanComponents } from "./_ignore.ts";
import { isNotFound } from "../../../runtime/file_errors.ts";
import type { FileInfo } from "../../../runtime/files.ts";
import { files } from "../../../runtime/runtime.ts";

/** What Podman looks for when no Dockerfile is named, in this order. */
const DEFAULT_DOCKERFILES = ["Containerfile", "Dockerfile"] as const;

/** Go's `path.Clean` for absolute `/`-separated paths. */
function cleanAbsolute(path: string): string {
  return `/${cleanComponents(path).join("/")}`;
}

export function absolute(path: string, base: string): string {
  return cleanAbsolute(path.startsWith("/") ? path : `${base}/${path}`);
}

/** `target` relative to `root` when it lies below it, else `undefined`. */
export function below(root: string, target: string): string | undefined {
  const prefix = root === "/" ? "/" : `${root}/`;
  return target.startsWith(prefix) ? target.slice(prefix.length) : undefined;
}

async function statOrUndefined(path: string): Promise<FileInfo | undefined> {
  try {
    return await files.stat(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function readTextOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await files.readTextFile(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Checks the context directory: it must exist and be a directory. */
export async function checkDirectory(directory: string, action: string): Promise<void> {
  const info = await statOrUndefined(directory);
  if (info === undefined) {
    throw new PodmanError(`${action}: the context directory "${directory}" does not exist`);
  }
  if (!info.isDirectory) {
    throw new PodmanError(`${action}: the context "${directory}" is not a directory`);
  }
}

/** The Dockerfile's real path: the one named, or `Containerfile`/`Dockerfile` in the context. */
export async function findDockerfile(
  directory: string,
  dockerfile: string | undefined,
  action: string,
): Promise<string> {
  if (dockerfile === undefined) {
    for (const name of DEFAULT_DOCKERFILES) {
      const info = await statOrUndefined(`${directory}/${name}`);
      if (info?.isFile) return await files.realPath(`${directory}/${name}`);
    }
    throw new PodmanError(
      `${action}: there is no Containerfile or Dockerfile in "${directory}"; ` +
        "name one with the dockerfile option",
    );
  }
  const path = absolute(dockerfile, directory);
  const info = await statOrUndefined(path);
  if (info === undefined) {
    throw new PodmanError(`${action}: the Dockerfile "${path}" does not exist`);
  }
  if (!info.isFile) throw new PodmanError(`${action}: the Dockerfile "${path}" is not a file`);
  return await files.realPath(path);
}

/**
 * The ignore file, looked up as Podman does: next to the Dockerfile
 * (`<Dockerfile>.containerignore`, `<Dockerfile>.dockerignore`), then `.containerignore`,
 * then `.dockerignore` at the context root.
 */
export async function findIgnoreFile(
  directory: string,
  dockerfile: string,
): Promise<{ path: string; text: string } | undefined> {
  const candidates = [
    `${dockerfile}.containerignore`,
    `${dockerfile}.dockerignore`,
    `${directory}/.containerignore`,
    `${directory}/.dockerignore`,
  ];
  for (const path of candidates) {
    const text = await readTextOrUndefined(path);
    if (text !== undefined) return { path, text };
  }
  return undefined;
}

/** The lines of an ignore file that are patterns, as Podman's server takes them. */
export function patternsOf(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) =>
    line !== "" && !line.startsWith("#")
  );
}
