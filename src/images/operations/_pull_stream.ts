import { distinctImageIds } from "../../vocabulary/image_id.ts";
import type { LayerProgressEvent, PullStatusEvent } from "../../vocabulary/stream_events.ts";

/**
 * What the end of a pull stream names as the stored image(s): full ids from the libpod report
 * (`{"id","images"}`), the image id prefix of a Docker-style final line (its first 12
 * characters), or nothing. Each id or prefix is kept exactly as the server wrote it, to be
 * sent back so.
 */
export type PulledIds =
  | { kind: "ids"; ids: string[] }
  | { kind: "prefix"; prefix: string }
  | { kind: "none" };

// A layer is named by its blob digest's first 12 hex digits (Podman writes `Encoded()[0:12]`,
// whatever the algorithm); this tells a layer from a tag in `id`. Image ids have no such form.
const LAYER_ID = /^(sha256:)?[0-9a-f]{12,64}$/;

/**
 * Podman 6's artifact statuses (`pullProgress`), in the words Docker-style lines use for the
 * same steps, so that a reader of layer events sees one vocabulary whichever server sent them.
 */
const ARTIFACT_STATUSES: ReadonlyMap<string, string> = new Map([
  ["pulling", "Downloading"],
  ["success", "Download complete"],
  ["skipped", "Already exists"],
]);

function withoutTrailingNewlines(text: string): string {
  return text.replace(/[\r\n]+$/, "");
}

/** An id as the server may write one: any text but empty or blank. */
function isId(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

function statusEvent(subject: unknown, status: string): PullStatusEvent {
  const prefix = typeof subject === "string" && subject !== "" ? `${subject}: ` : "";
  return { type: "status", message: prefix + withoutTrailingNewlines(status) };
}

function byteCount(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function layerEvent(id: string, status: string, detail: unknown): LayerProgressEvent {
  if (typeof detail !== "object" || detail === null) return { type: "progress", id, status };
  const { current, total } = detail as { current?: unknown; total?: unknown };
  const currentBytes = byteCount(current);
  const totalBytes = byteCount(total);
  // One object literal per shape, not properties added one by one: the events of a
  // progress stream then share one hidden class, which keeps their readers fast.
  if (totalBytes !== undefined && totalBytes > 0) {
    return currentBytes === undefined
      ? { type: "progress", id, status, total: totalBytes }
      : { type: "progress", id, status, current: currentBytes, total: totalBytes };
  }
  return currentBytes === undefined
    ? { type: "progress", id, status }
    : { type: "progress", id, status, current: currentBytes };
}

/**
 * The layer event of a Podman 6 artifact report (`pullProgress`), or none for one that names
 * no artifact (its bytes would belong to no layer). Podman leaves out a `current` of 0, and
 * sends no bytes for a skipped artifact; a `total` of -1 means the size is unknown.
 */
function artifactEvent(progress: object): LayerProgressEvent | undefined {
  const { status, current, total, progressComponentID: id } = progress as Record<string, unknown>;
  if (typeof id !== "string" || id === "" || typeof status !== "string") return undefined;
  const word = ARTIFACT_STATUSES.get(status) ?? status;
  if (status === "skipped") return layerEvent(id, word, undefined);
  return layerEvent(id, word, { current: current ?? 0, total });
}

/**
 * Turns the JSON objects of a pull body into events, for every shape Podman sends:
 *
 * - libpod lines (Podman before 4.8, or `compatMode=false`): `{"stream": "Copying blob ...\n"}`,
 *   ending with the report `{"id": "<image id>", "images": [...]}`;
 * - with `pullProgress=true` (Podman 6), libpod lines and, between them, a report per layer
 *   (and config) blob: `{"status": "pulling", "stream": "Pulling artifact", "pullProgress":
 *   {"status": "pulling", "current", "total", "progressComponentID": "sha256:<digest>"}}`, read
 *   as layer events with the blob's digest as id (the `stream` text repeats the status);
 * - Docker-style lines (`compatMode=true` on Podman 4.8 and later):
 *   `{"status": "Downloading", "progressDetail": {"current", "total"}, "id": "<12 hex layer>"}`,
 *   ending with `{"status": "Download complete", "progressDetail": {}, "id": "<IMAGE id[:12]>"}`.
 *
 * That last line looks exactly like a layer finishing, so every `Download complete` is held
 * back until the next line proves it was a layer's; the one still held when the body ends
 * names the image, whatever form its id has. One reader serves one stream.
 */
export class PullStreamReader {
  // A `Download complete` line held back: its layer event, or a status event when its id does
  // not look like a layer's (then it can only be the image's).
  #held: { id: string; event: PullStatusEvent | LayerProgressEvent } | undefined;
  #ids: string[] | undefined;
  // The last id found to be a layer's: progress lines repeat it, so the test runs once per layer.
  #lastLayerId = "";

  /**
   * Maps one object of the body to the events to emit now (maybe none), handed to `emit` in
   * order: a callback, not an array, because a progress stream has millions of lines.
   */
  read(value: unknown, emit: (event: PullStatusEvent | LayerProgressEvent) => void): void {
    if (this.#held) {
      const held = this.#held;
      this.#held = undefined;
      emit(held.event);
    }
    if (typeof value !== "object" || value === null) return;
    const line = value as Record<string, unknown>;
    // Podman 6 adds `status: "pulling"` to libpod lines, so `stream` and the report's
    // `images` are recognised before any `status`.
    // The report may also carry an empty `stream` (quiet mode sends `"stream": ""`).
    if (Array.isArray(line.images)) {
      this.#ids = line.images.filter(isId);
      if (this.#ids.length === 0 && isId(line.id)) this.#ids = [line.id];
    }
    if (typeof line.pullProgress === "object" && line.pullProgress !== null) {
      const event = artifactEvent(line.pullProgress);
      if (event !== undefined) emit(event);
      return;
    }
    if (typeof line.stream === "string") {
      const message = withoutTrailingNewlines(line.stream);
      if (message !== "") emit({ type: "status", message });
      return;
    }
    if (Array.isArray(line.images)) return;
    const isDockerStyle = typeof line.status === "string" &&
      ("progressDetail" in line || "id" in line);
    if (isDockerStyle) {
      const status = line.status as string;
      // Docker-style lines also use `id` for the tag ("Pulling from x", id "latest"); only a
      // hex id names a layer.
      const id = line.id;
      if (status === "Download complete" && isId(id)) {
        const event = this.#isLayerId(id)
          ? layerEvent(id, status, line.progressDetail)
          : statusEvent(id, status);
        this.#held = { id, event };
      } else if (typeof id === "string" && this.#isLayerId(id)) {
        emit(layerEvent(id, status, line.progressDetail));
      } else if (status !== "") {
        emit(statusEvent(id, status));
      }
      return;
    }
    if (isId(line.id) && line.status === undefined) this.#ids = [line.id];
  }

  #isLayerId(id: string): boolean {
    if (id === this.#lastLayerId) return true;
    if (!LAYER_ID.test(id)) return false;
    this.#lastLayerId = id;
    return true;
  }

  /**
   * What the body named once it ended: the report's ids (preferred), else the image id prefix
   * of a held Docker-style final line, else nothing. Ids are deduplicated (two tags of one
   * image are one image).
   */
  end(): PulledIds {
    // `sha256:<id>` and `<id>` are one image, kept in the form named first.
    if (this.#ids && this.#ids.length > 0) return { kind: "ids", ids: distinctImageIds(this.#ids) };
    const held = this.#held;
    this.#held = undefined;
    if (held) return { kind: "prefix", prefix: held.id };
    return { kind: "none" };
  }
}
