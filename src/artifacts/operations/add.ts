import { deferredOperation, type Operation, pickedEvent } from "../../async/operation.ts";
import { lastOf } from "../../async/settle.ts";
import { operation, type OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { requiringVersion } from "../../client/requiring_version.ts";
import { parseJsonBody, pathSegment } from "../../client/request_json.ts";
import { parseReference, requireName } from "../../vocabulary/reference.ts";
import { requireStringRecord } from "../../vocabulary/strings.ts";
import {
  type ArtifactFileData,
  type FileUpload,
  fileUploader,
  type OnSent,
} from "./_file_upload.ts";
import { inspectArtifact } from "./get.ts";
import { reportedDigest } from "./_read_artifact.ts";
import type { Artifact } from "../artifact.ts";
import type { ArtifactAddEvent } from "./transfer_events.ts";

/** One file to add: its data, the name it gets in the artifact, and what describes it. */
export interface ArtifactFileSource {
  /** The file's name in the artifact (its title): a name, not a path. */
  fileName: string;
  /** Its bytes: a path on this machine, a `file:` URL, a Uint8Array, a Blob or a stream. */
  data: ArtifactFileData;
  /** Its media type; the server guesses one (or uses `fileType`) when left out. */
  mediaType?: string;
  /** Annotations of this file only, beside the options' `annotations`. */
  annotations?: Record<string, string>;
}

/** What `add()` takes: a path (the file keeps its base name) or a file with its name. */
export type ArtifactSource = string | URL | ArtifactFileSource;

/** Options for `artifacts.add()`, after `podman artifact add`'s flags. */
export interface AddArtifactOptions extends OperationOptions {
  /** The artifact's type (`artifactType` of its manifest), e.g. `application/vnd.example.model`. */
  type?: string;
  /** Annotations for every file added. */
  annotations?: Record<string, string>;
  /** The media type of every file without its own `mediaType`. */
  fileType?: string;
  /**
   * Add the files to an artifact that already exists, instead of making a new one.
   * @default {false}
   */
  append?: boolean;
  /**
   * Replace an artifact of the same name, if there is one (Podman 5.7 and later).
   * @default {false}
   */
  replace?: boolean;
}

/** A source checked when the operation is made. */
interface CheckedSource {
  fileName: string;
  mediaType: string | undefined;
  annotations: Record<string, string>;
  open: (onSent: OnSent) => Promise<FileUpload>;
}

// Upload progress is emitted when another MiB has gone, not for every chunk.
const PROGRESS_STEP = 1024 * 1024;

function baseName(path: string | URL): string {
  const text = path instanceof URL ? decodeURIComponent(path.pathname) : path;
  return text.replace(/\/+$/, "").split("/").pop() ?? "";
}

function checkFileName(fileName: unknown, action: string): asserts fileName is string {
  if (typeof fileName !== "string" || fileName === "") {
    throw new TypeError(`${action}: every file needs a non-empty fileName`);
  }
  if (fileName.includes("/") || fileName.includes("\0") || fileName === "." || fileName === "..") {
    throw new RangeError(`${action}: fileName "${fileName}" must be a name, not a path`);
  }
}

function checkAnnotations(annotations: unknown, option: string, action: string): void {
  requireStringRecord(annotations, option, action);
  for (const key of Object.keys(annotations ?? {})) {
    // The server reads each annotation as `key=value`, split at the first `=`.
    if (key === "" || key.includes("=")) {
      throw new RangeError(`${action}: annotation name "${key}" must be non-empty and without "="`);
    }
  }
}

function checkSources(
  sources: ArtifactSource | readonly ArtifactSource[],
  options: AddArtifactOptions,
  action: string,
): CheckedSource[] {
  const list = Array.isArray(sources) ? sources : [sources as ArtifactSource];
  if (list.length === 0) throw new TypeError(`${action}: there are no files to add`);
  const seen = new Set<string>();
  return list.map((source) => {
    const file: ArtifactFileSource = typeof source === "string" || source instanceof URL
      ? { fileName: baseName(source), data: source }
      : source;
    if (typeof file !== "object" || file === null) {
      throw new TypeError(`${action}: a file is a path, a file: URL or { fileName, data }`);
    }
    checkFileName(file.fileName, action);
    if (seen.has(file.fileName)) {
      throw new TypeError(`${action}: two files are named "${file.fileName}"`);
    }
    seen.add(file.fileName);
    checkAnnotations(file.annotations, `the annotations of "${file.fileName}"`, action);
    return {
      fileName: file.fileName,
      mediaType: file.mediaType ?? options.fileType,
      annotations: { ...options.annotations, ...file.annotations },
      open: fileUploader(file.data, `${action}: file "${file.fileName}"`),
    };
  });
}

function checkOptions(options: AddArtifactOptions, action: string): void {
  if (options.append && options.replace) {
    throw new TypeError(`${action}: append adds to the artifact and replace replaces it: give one`);
  }
  checkAnnotations(options.annotations, "annotations", action);
  for (const key of ["type", "fileType"] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== "string" || value.trim() === "")) {
      throw new TypeError(`${action}: ${key} must be a non-empty string`);
    }
  }
}

/**
 * `POST /libpod/artifacts/add`, once per file: makes an artifact of the files (or, with
 * `append`, adds them to one), streaming each file's bytes as the request body. Memory stays
 * flat whatever the size: a file is read as the socket takes it.
 *
 * Podman takes one file per request, so several files are several requests; the first makes
 * the artifact, the next append to it. When a later file fails (or the subscriber
 * unsubscribes), an artifact this call made is removed again, so no artifact with only some
 * of the files is left (with `replace`, the artifact it replaced is gone all the same); with
 * `append`, the files added before the failure stay, and the error names the file that failed.
 *
 * @returns A cold Observable of {@linkcode ArtifactAddEvent}s ending in `added` with the
 * artifact's model. Before anything is sent it errors with `TypeError` or `RangeError` for a
 * name that is not a reference, no files, a file without a name or with a path for a name, two
 * files of one name, a locked stream, `append` with `replace`, or a bad annotation; a file
 * that cannot be opened with `PodmanError` naming it; `replace` on Podman 5.6 with
 * `PodmanError`. An artifact that exists already (without `append` or `replace`) errors
 * with the server's `APIError`.
 */
export function addArtifact(
  requester: Requester,
  name: string,
  sources: ArtifactSource | readonly ArtifactSource[],
  options: AddArtifactOptions = {},
): Operation<ArtifactAddEvent, Artifact> {
  return deferredOperation(() => `Cannot add to artifact "${name}"`, (action) => {
    requireName(name, action);
    parseReference(name);
    checkOptions(options, action);
    const files = checkSources(sources, options, action);
    // `replace` came with Podman 5.7; refused on 5.6 before any byte is sent.
    const sender = options.replace ? requiringVersion(requester, 5, 7, "replace") : requester;
    return operation<ArtifactAddEvent>(action, options, async ({ emit, signal, alive }) => {
      let made = false;
      let digest = "";
      // A client closed right after an unsubscribe (or by the close itself) still lets this
      // operation remove the artifact it half made.
      let finished!: () => void;
      requester.keepOpenUntil?.(new Promise<void>((resolve) => (finished = resolve)));
      try {
        for (const [index, file] of files.entries()) {
          const fileAction = `Cannot add file "${file.fileName}" to artifact "${name}"`;
          let sent = 0;
          let reported = 0;
          const upload = await file.open((bytes, size) => {
            alive();
            sent += bytes;
            if (sent - reported >= PROGRESS_STEP) {
              reported = sent;
              emit(progressEvent(file.fileName, "Adding", sent, size));
            }
          });
          try {
            const first = index === 0;
            const response = await sender.request({
              method: "POST",
              path: "/artifacts/add",
              query: {
                name,
                fileName: file.fileName,
                fileMIMEType: file.mediaType,
                annotations: Object.entries(file.annotations).map(([k, v]) => `${k}=${v}`),
                artifactMIMEType: first ? options.type : undefined,
                append: first ? options.append : true,
                replace: first ? options.replace : undefined,
              },
              headers: { "Content-Type": "application/octet-stream" },
              body: upload.body,
              action: fileAction,
            }, signal);
            digest = reportedDigest(parseJsonBody(await response.text(), fileAction), fileAction);
          } finally {
            await upload.release();
          }
          if (!options.append) made = true;
          emit(progressEvent(file.fileName, "Added", sent, sent));
        }
        const artifact = await lastOf(inspectArtifact(requester, name, action), signal);
        emit({ type: "added", name, digest, artifact });
      } catch (error) {
        if (made) await removeQuietly(requester, name);
        throw error;
      } finally {
        finished();
      }
    });
  }, pickedEvent((event) => event.type === "added" ? event.artifact : undefined));
}

function progressEvent(
  fileName: string,
  status: string,
  current: number,
  total: number | undefined,
): ArtifactAddEvent {
  return total === undefined
    ? { type: "progress", id: fileName, status, current }
    : { type: "progress", id: fileName, status, current, total };
}

/** Takes back an artifact this call made; the error that led here is the one reported. */
async function removeQuietly(requester: Requester, name: string): Promise<void> {
  try {
    const response = await requester.request({
      method: "DELETE",
      path: `/artifacts/${pathSegment(name)}`,
      action: `Cannot remove the incomplete artifact "${name}"`,
      cleanup: true,
    }, AbortSignal.timeout(30_000));
    await response.body?.cancel();
  } catch {
    // Gone already, or the service is gone: nothing more to do from here.
  }
}
