import { deferredOperation, type Operation, pickedEvent } from "../../async/operation.ts";
import { joinedChunks } from "../../streams/_join_chunks.ts";
import { operation, type OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment } from "../../client/request_json.ts";
import { PodmanError } from "../../errors.ts";
import { requireName } from "../../vocabulary/reference.ts";
import { hasOwnChunks } from "../../streams/_free_sent_chunks.ts";
import { readTar } from "../../tar/reader.ts";
import { safeEntryPath } from "../../tar/safe_entry_path.ts";
import type { Artifact } from "../artifact.ts";
import type { LayerProgressEvent } from "../../vocabulary/stream_events.ts";
import { writeEntry } from "./_write_entry.ts";
import { files as fileSystem } from "../../runtime/runtime.ts";

/** Which file of an artifact to take: by its name (title) or its digest. */
export interface ArtifactFileSelector {
  /** The file's name in the artifact. */
  title?: string;
  /** The file's digest, e.g. `sha256:...`. */
  digest?: string;
}

/** Options for `artifacts.extract()`. */
export interface ExtractArtifactOptions extends OperationOptions, ArtifactFileSelector {}

/** Options for `artifacts.extractFile()`: one of `title` or `digest` is required. */
export interface ExtractFileOptions extends OperationOptions, ArtifactFileSelector {}

/** One file `extract()` has written whole. */
export interface ExtractedFile {
  /**
   * The name it was written under, as the server named it: the file's title, or for a file
   * selected by `digest`, the digest (`sha256-<hex>`, as `podman artifact extract` does).
   */
  readonly fileName: string;
  /** Where it was written. */
  readonly path: string;
  /** Its size in bytes. */
  readonly size: number;
}

/** The last event of a successful `extract()`. */
export interface ArtifactExtractedEvent {
  /** Discriminant. */
  type: "extracted";
  /** The artifact. */
  name: string;
  /** The directory the files went into. */
  directory: string;
  /** Every file written, in the artifact's order. */
  files: ExtractedFile[];
}

/**
 * What `extract()` emits: `progress` events per file while it is written (`Extracting`, bytes
 * written and the file's size, about every MiB; `Extracted` once it is whole), then
 * `extracted`.
 */
export type ArtifactExtractEvent = LayerProgressEvent | ArtifactExtractedEvent;

// Progress is emitted when another MiB is written, not for every chunk.
const PROGRESS_STEP = 1024 * 1024;

function checkSelector(options: ArtifactFileSelector, action: string): void {
  for (const key of ["title", "digest"] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new TypeError(`${action}: ${key} must be a non-empty string`);
    }
  }
  if (options.title !== undefined && options.digest !== undefined) {
    throw new TypeError(`${action}: give title or digest, not both`);
  }
}

/**
 * The extract request: `GET /libpod/artifacts/{name}/extract`, answered with a tar archive of
 * the artifact's files (or the one `title` or `digest` selects), named by their titles.
 */
async function extractArchive(
  requester: Requester,
  name: string,
  options: ArtifactFileSelector,
  action: string,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const response = await requester.request({
    path: `/artifacts/${pathSegment(name)}/extract`,
    query: { title: options.title, digest: options.digest },
    action,
  }, signal);
  if (response.body === null) throw new PodmanError(`${action}: the server sent no archive`);
  return response.body;
}

/**
 * `artifacts.extract()`: writes the files of an artifact (or the one `title` or `digest`
 * selects) into a directory, each under its name, as `podman artifact extract` does (a file
 * selected by digest is named after it, `sha256-<hex>`); the directory is made when missing. The archive is read as it arrives and each file written as
 * its bytes come: memory stays flat whatever the sizes.
 *
 * Each file is written to a partial file beside it and renamed into place once whole: on a
 * failure or an unsubscribe the file being written is removed (an older file of that name
 * stays as it was); files finished before it stay. Names come from the server and are
 * checked: one that would land outside the directory (absolute, `..`) fails the extract.
 *
 * @returns A cold Observable of {@linkcode ArtifactExtractEvent}s ending in `extracted`. A
 * missing artifact errors with `NotFound`; a `title` or `digest` it has no file for with the
 * server's `APIError`; an empty name, an empty target, or both `title` and `digest` with
 * `TypeError` on subscribe, before anything is sent.
 */
export function extractArtifact(
  requester: Requester,
  artifact: string | Artifact,
  target: string | URL,
  options: ExtractArtifactOptions = {},
): Operation<ArtifactExtractEvent, ArtifactExtractedEvent> {
  const name = typeof artifact === "string" ? artifact : artifact?.name;
  const directory = target instanceof URL ? decodeURIComponent(target.pathname) : target;
  return deferredOperation(
    () => `Cannot extract artifact "${name}" into "${directory}"`,
    (action) => {
      requireName(name, action);
      if (typeof directory !== "string" || directory.trim() === "") {
        throw new TypeError(`${action}: the target directory is empty`);
      }
      if (target instanceof URL && target.protocol !== "file:") {
        throw new RangeError(`${action}: only file: URLs can be written, got "${target.protocol}"`);
      }
      checkSelector(options, action);
      return operation<ArtifactExtractEvent>(action, options, async ({ emit, signal, alive }) => {
        try {
          await fileSystem.mkdir(directory, { recursive: true });
        } catch (error) {
          throw new PodmanError(`${action}: ${(error as Error).message}`, { cause: error });
        }
        const archive = await extractArchive(requester, name, options, action, signal);
        alive();
        const release = hasOwnChunks(archive);
        const files: ExtractedFile[] = [];
        for await (const entry of readTar(archive, action)) {
          alive();
          if (entry.type === "directory") continue;
          if (entry.type !== "file") {
            await entry.body.cancel();
            throw new PodmanError(
              `${action}: the archive's entry "${entry.name}" is not a regular file`,
            );
          }
          const title = safeEntryPath(entry.name, action);
          if (title.includes("/")) {
            await fileSystem.mkdir(`${directory}/${title.slice(0, title.lastIndexOf("/"))}`, {
              recursive: true,
            });
          }
          const path = `${directory.replace(/\/+$/, "")}/${title}`;
          let reported = 0;
          const size = await writeEntry(entry, path, action, release, {
            read: alive,
            written: (written) => {
              if (written - reported < PROGRESS_STEP) return;
              reported = written;
              emit({
                type: "progress",
                id: title,
                status: "Extracting",
                current: written,
                total: entry.size,
              });
            },
          });
          emit({ type: "progress", id: title, status: "Extracted", current: size, total: size });
          files.push({ fileName: title, path, size });
        }
        emit({ type: "extracted", name, directory, files });
      });
    },
    pickedEvent((event) => event.type === "extracted" ? event : undefined),
  );
}

/**
 * `artifacts.extractFile()`: the bytes of one file of an artifact, chosen by `title` or
 * `digest`, as `Uint8Array` chunks as they arrive (memory stays flat; write them where you
 * like, or pipe them on). Unsubscribing aborts the download.
 *
 * @returns A cold Observable of the file's bytes, then complete. A missing artifact errors
 * with `NotFound`, a title or digest it has no file for with the server's `APIError`; an
 * empty name, no selector or both with `TypeError` on subscribe, before anything is sent.
 */
export function extractArtifactFile(
  requester: Requester,
  artifact: string | Artifact,
  options: ExtractFileOptions,
): Operation<Uint8Array, Uint8Array> {
  const name = typeof artifact === "string" ? artifact : artifact?.name;
  return deferredOperation(() => `Cannot extract a file of artifact "${name}"`, (action) => {
    requireName(name, action);
    checkSelector(options ?? {}, action);
    if (options?.title === undefined && options?.digest === undefined) {
      throw new TypeError(`${action}: give the file's title or digest`);
    }
    return operation<Uint8Array>(action, options, async ({ emit, signal, alive }) => {
      const archive = await extractArchive(requester, name, options, action, signal);
      alive();
      let found = false;
      for await (const entry of readTar(archive, action)) {
        if (entry.type !== "file") continue;
        if (found) {
          await entry.body.cancel();
          throw new PodmanError(`${action}: the server sent more than one file`);
        }
        found = true;
        const reader = entry.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            alive();
            emit(value);
          }
        } finally {
          reader.releaseLock();
        }
      }
      if (!found) throw new PodmanError(`${action}: the server sent no file`);
    });
  }, joinedChunks);
}
