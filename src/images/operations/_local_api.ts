import { abortable } from "../../async/settle.ts";
import { apiAtLeast } from "../../client/api_version.ts";
import type { ConnectionKind, Requester } from "../../client/requester.ts";
import { APIError, PodmanError } from "../../errors.ts";
import { singleFileTar } from "../../tar/single_file.ts";
import { requireOneOf } from "../../vocabulary/one_of.ts";
import { files, host } from "../../runtime/runtime.ts";

/**
 * How a file or directory of this machine reaches the service: read by the service in place
 * when it is proven to see it (`auto`), always sent as an upload (`upload`), or read in place
 * or not at all (`local`).
 */
export type Via = "auto" | "upload" | "local";

const VIAS: readonly Via[] = ["auto", "upload", "local"];

/**
 * The name every probe file starts with. A build context packed for upload leaves such files
 * out, and a build read in place excludes them, so that a probe of one operation never ends up
 * in another's image.
 */
export const PROBE_PREFIX = ".podrx-probe-";

/** The exclude pattern that keeps probe files out of a build read in place. */
export const PROBE_EXCLUDE = `**/${PROBE_PREFIX}*`;

/** A probe is one small request; a service that takes longer than this is not trusted with more. */
const PROBE_TIMEOUT_MS = 30_000;

/**
 * Checks `via`: one of the three names, or left out.
 *
 * @throws {TypeError} When it is not a string.
 * @throws {RangeError} When it is another string.
 */
export function checkVia(via: unknown, action: string): void {
  requireOneOf(via, VIAS, "via", action);
}

/** What a probe found out about one directory. */
type Sight =
  | { seen: true }
  /** `lasting`: the service answered, so the answer holds for the client's lifetime. */
  | { seen: false; why: string; lasting: boolean };

/** Per client, per directory: the probe's answer, or the probe still running. */
const sights = new WeakMap<Requester, Map<string, Promise<Sight>>>();

const KIND_REASONS: Readonly<Record<Exclude<ConnectionKind, "unix">, string>> = {
  tcp: "the client reaches it over TCP",
  ssh: "the client reaches it over SSH",
  transport: "the client reaches it through a transport given in the options",
};

/**
 * Whether the service is to read `directories` (real paths of this machine) in place, through
 * Podman's local endpoints (`/libpod/local/...`, Podman 5.7 and later), rather than get their
 * content as an upload.
 *
 * Never assumed: the client must reach the service over a Unix socket it opened, the server's
 * API version must have the endpoints, and the service must prove that it reads each
 * directory as this process does. The proof: podrx writes a small archive with a random name
 * and random content into the directory and asks the service to load it in place; the load
 * fails (the archive names a config file it does not hold), and the service's error names
 * that random content only if it read this very file. The probe file is removed at once, on
 * every path. The answer is kept per client and directory; a probe that could not be made
 * (no write access, a failed request) is not kept, and the upload is used. What the probe
 * shows is the directory itself: a mount below it that only one side has is not seen.
 *
 * @param requester The client.
 * @param via What the caller asked for; `local` turns every "no" into an error.
 * @param directories Real absolute paths the service would read.
 * @param action Names the operation in errors.
 * @param signal Stops waiting (the probe itself finishes and cleans up on its own).
 * @returns `true` to use the local endpoint, `false` to upload.
 * @throws {PodmanError} (as a rejection) With `via: "local"`, saying why the service cannot
 * read the files in place; nothing has been sent for the operation then.
 */
export async function useLocalApi(
  requester: Requester,
  via: Via,
  directories: readonly string[],
  action: string,
  signal: AbortSignal,
): Promise<boolean> {
  if (via === "upload") return false;
  const why = await whyNotLocal(requester, directories, signal);
  if (why === undefined) return true;
  if (via === "local") {
    throw new PodmanError(`${action}: via "local": the service cannot read it in place: ${why}`);
  }
  return false;
}

async function whyNotLocal(
  requester: Requester,
  directories: readonly string[],
  signal: AbortSignal,
): Promise<string | undefined> {
  const kind = await requester.connectionKind?.(signal) ?? "transport";
  if (kind !== "unix") return KIND_REASONS[kind];
  const version = await requester.apiVersion(signal);
  if (!apiAtLeast(version, 5, 7)) {
    return `Podman ${version} has no local endpoints (they came with 5.7)`;
  }
  for (const directory of directories) {
    const sight = await abortable(sightOf(requester, directory), signal);
    if (!sight.seen) return sight.why;
  }
  return undefined;
}

/** The probe of `directory` for this client: the one kept, the one running, or a new one. */
function sightOf(requester: Requester, directory: string): Promise<Sight> {
  let known = sights.get(requester);
  if (known === undefined) {
    known = new Map();
    sights.set(requester, known);
  }
  const kept = known.get(directory);
  if (kept !== undefined) return kept;
  // Shared while it runs: two builds of one directory wait for one probe, and neither starts
  // while the other's probe file is still there.
  const probing = probe(requester, directory);
  known.set(directory, probing);
  void probing.then((sight) => {
    if (!sight.seen && !sight.lasting) known.delete(directory);
  });
  return probing;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Asks the service to read a fresh file in `directory`; never rejects. */
async function probe(requester: Requester, directory: string): Promise<Sight> {
  const path = `${directory === "/" ? "" : directory}/${PROBE_PREFIX}${crypto.randomUUID()}.tar`;
  // Deno would prompt on a terminal for a write it was not allowed; a probe must not.
  if (!host.mayWrite(directory)) {
    return {
      seen: false,
      why: `podrx may not write a probe file in "${directory}" (no --allow-write for it)`,
      lasting: false,
    };
  }
  const token = crypto.randomUUID();
  // A docker-archive whose manifest names a config file it lacks: the load reads the manifest
  // and fails naming that file; nothing is stored.
  const manifest = JSON.stringify([{ Config: `${token}.json`, RepoTags: [], Layers: [] }]);
  let created = false;
  try {
    const archive = await singleFileTar("manifest.json", new TextEncoder().encode(manifest));
    const file = await files.open(path, { write: true, createNew: true });
    created = true;
    try {
      for (let written = 0; written < archive.byteLength;) {
        written += await file.write(archive.subarray(written));
      }
    } finally {
      file.close();
    }
  } catch (error) {
    // Only a file this probe made is removed.
    if (created) await files.remove(path).catch(() => {});
    return {
      seen: false,
      why: `cannot write a probe file in "${directory}": ${messageOf(error)}`,
      lasting: false,
    };
  }
  try {
    const response = await requester.request({
      method: "POST",
      path: "/local/images/load",
      query: { path },
      action: `Cannot probe "${directory}"`,
    }, AbortSignal.timeout(PROBE_TIMEOUT_MS));
    await response.body?.cancel();
    return { seen: false, why: "the probe load did not fail as expected", lasting: false };
  } catch (error) {
    if (error instanceof APIError) {
      if (error.explanation.includes(token)) return { seen: true };
      if (error.status === 404) {
        return {
          seen: false,
          why: `it does not see "${directory}" (it runs on another machine, in a container ` +
            "or in another mount namespace)",
          lasting: true,
        };
      }
    }
    return { seen: false, why: `the probe failed: ${messageOf(error)}`, lasting: false };
  } finally {
    await files.remove(path).catch(() => {});
  }
}
