import { apiAtLeast } from "../../../client/api_version.ts";
import { PodmanError } from "../../../errors.ts";
import { isAbortError, reason } from "./_context.ts";
import { streamTar } from "./_stream_tar.ts";
import { walk } from "./_walk.ts";
import { ContextIgnore } from "./_ignore.ts";
import { absolute, checkDirectory } from "./_locate.ts";
import type { UploadPart } from "./_upload.ts";
import { files, host } from "../../../runtime/runtime.ts";

/** One named context of `additionalBuildContexts`, as Podman tells them apart. */
export interface BuildContextSource {
  /** The name a Dockerfile uses (`FROM name`, `COPY --from=name`). */
  name: string;
  /** An image, a URL the server downloads, or a directory here that is uploaded. */
  kind: "image" | "url" | "local";
  /** The image's name, the URL, or the directory's path as given. */
  value: string;
}

// buildah's prefixes for an image (pkg/parse GetAdditionalBuildContext).
const IMAGE_PREFIXES = ["docker-image://", "container-image://", "docker://"];

// A name goes into a query value before `=` and into a multipart field name: nothing that
// either would have to escape.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Reads `additionalBuildContexts` the way `podman build --build-context` reads its values.
 *
 * @throws {TypeError} When it is not an object of strings, or a value is empty.
 * @throws {RangeError} When a name is not a plain name (letters, digits, `_`, `.`, `-`).
 */
export function buildContextSources(contexts: unknown, action: string): BuildContextSource[] {
  if (contexts === undefined) return [];
  if (typeof contexts !== "object" || contexts === null || Array.isArray(contexts)) {
    throw new TypeError(`${action}: additionalBuildContexts must be an object of name to value`);
  }
  return Object.entries(contexts).map(([name, value]): BuildContextSource => {
    if (!NAME.test(name)) {
      throw new RangeError(
        `${action}: additionalBuildContexts name "${name}" must be letters, digits, "_", "." ` +
          `or "-"`,
      );
    }
    if (typeof value !== "string" || value.trim() === "") {
      throw new TypeError(
        `${action}: additionalBuildContexts "${name}" must be a non-empty string`,
      );
    }
    const prefix = IMAGE_PREFIXES.find((candidate) => value.startsWith(candidate));
    if (prefix !== undefined) {
      const image = value.slice(prefix.length);
      if (image.trim() === "") {
        throw new TypeError(`${action}: additionalBuildContexts "${name}" names no image`);
      }
      return { name, kind: "image", value: image };
    }
    if (value.startsWith("http://") || value.startsWith("https://")) {
      return { name, kind: "url", value };
    }
    return { name, kind: "local", value };
  });
}

/**
 * Refuses what the server's version cannot take: named contexts before Podman 4.2, and a
 * local directory before 5.6 (an older server takes a path on its own machine, not an upload).
 */
export function requireBuildContextSupport(
  sources: readonly BuildContextSource[],
  apiVersion: string,
  action: string,
): void {
  if (sources.length === 0) return;
  if (!apiAtLeast(apiVersion, 4, 2)) {
    throw new PodmanError(
      `${action}: additionalBuildContexts needs Podman 4.2 or later; the server runs ${apiVersion}`,
    );
  }
  const local = sources.find((source) => source.kind === "local");
  if (local !== undefined && !apiAtLeast(apiVersion, 5, 6)) {
    throw new PodmanError(
      `${action}: additionalBuildContexts "${local.name}" is a local directory, which needs ` +
        `Podman 5.6 or later (it is uploaded with the context); the server runs ${apiVersion}`,
    );
  }
}

/**
 * The `additionalbuildcontexts` parameter for the images and URLs (local directories go in the
 * body): from Podman 5.6 on one `name=image:...` or `name=url:...` per context; before, one JSON
 * object of buildah's `AdditionalBuildContext`s by name.
 */
export function buildContextsParam(
  sources: readonly BuildContextSource[],
  apiVersion: string,
): string | string[] | undefined {
  const remote = sources.filter((source) => source.kind !== "local");
  if (remote.length === 0) return undefined;
  if (apiAtLeast(apiVersion, 5, 6)) {
    return remote.map(({ name, kind, value }) =>
      `${name}=${kind === "image" ? "image" : "url"}:${value}`
    );
  }
  return JSON.stringify(
    Object.fromEntries(
      remote.map(({ name, kind, value }) => [
        name,
        { IsURL: kind === "url", IsImage: kind === "image", Value: value },
      ]),
    ),
  );
}

/**
 * Packs a named local context (`additionalBuildContexts`) as a tar stream, read from disk while
 * it uploads: every entry, sorted, as `podman build --build-context` sends one (no ignore file
 * applies). Checks the directory first, so a bad path fails before anything is sent.
 */
async function packNamedContext(
  path: string,
  name: string,
  action: string,
  signal: AbortSignal,
): Promise<{ body: ReadableStream<Uint8Array>; failure(): unknown }> {
  const directory = absolute(path, host.cwd());
  const context = `${action}: build context "${name}"`;
  let root: string;
  try {
    await checkDirectory(directory, context);
    root = await files.realPath(directory);
  } catch (error) {
    if (error instanceof PodmanError) throw error;
    throw new PodmanError(`${context}: cannot read "${directory}": ${reason(error)}`, {
      cause: error,
    });
  }
  const filter = new ContextIgnore("", []);
  const { stream, failure } = streamTar(async (writer) => {
    try {
      await walk({ writer, root, filter, action }, "");
    } catch (error) {
      if (error instanceof PodmanError || signal.aborted || isAbortError(error)) throw error;
      throw new PodmanError(`${context}: cannot pack "${directory}": ${reason(error)}`, {
        cause: error,
      });
    }
  }, signal);
  return { body: stream, failure };
}

/** The local named contexts, each packed as a tar read from disk while it uploads. */
export async function packNamedContexts(
  sources: readonly BuildContextSource[],
  action: string,
  signal: AbortSignal,
): Promise<(UploadPart & { name: string })[]> {
  const packed: (UploadPart & { name: string })[] = [];
  for (const { name, kind, value } of sources) {
    if (kind === "local") {
      packed.push({ name, ...await packNamedContext(value, name, action, signal) });
    }
  }
  return packed;
}
