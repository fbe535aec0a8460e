/**
 * What each worker was told: every name it made, removed or pushed, with the state the last
 * operation on it reported. A name whose last operation failed (the service died under it)
 * is `unknown` and never checked. At the end the ledgers are held against storage, read with
 * the Podman CLI on the same storage, and against the registry, read over HTTP.
 *
 * @module
 */

import type { PodmanResult } from "../tests/bed/env.ts";

/** Kinds of names: a local image name, a local manifest list, a tag in the registry. */
export type EntryKind = "image" | "manifest" | "pushed";

/** The state of one name, as last reported. */
export interface Entry {
  kind: EntryKind;
  state: "present" | "absent" | "unknown";
  /** The image id (images), when reported. */
  id?: string;
  /** The manifest digest the push reported (pushed tags; Podman 5 and later report one). */
  digest?: string;
  /** The operation that reported the state, for failure messages. */
  by: string;
}

/**
 * One worker's names, apart by kind: a tag in the registry is also a local name once pulled
 * or tagged, and the two are checked apart. Names are full (`localhost/soak-w1/img:b3`).
 */
export class Ledger {
  readonly #entries = new Map<string, Entry>();

  /** The entry of `name` as a `kind`, if any operation touched it. */
  get(name: string, kind: EntryKind): Entry | undefined {
    return this.#entries.get(`${kind} ${name}`);
  }

  /** Records that `by` reported `name` there (with its id or digest). */
  present(
    name: string,
    kind: EntryKind,
    by: string,
    ids: { id?: string; digest?: string } = {},
  ): void {
    this.#entries.set(`${kind} ${name}`, { kind, state: "present", by, ...ids });
  }

  /** Records that `by` reported `name` gone. */
  absent(name: string, kind: EntryKind, by: string): void {
    this.#entries.set(`${kind} ${name}`, { kind, state: "absent", by });
  }

  /** Records that `by` failed on `name`: it may be there or not. */
  unknown(name: string, kind: EntryKind, by: string): void {
    this.#entries.set(`${kind} ${name}`, { kind, state: "unknown", by });
  }

  /** Names of `kind` in one of `states`. */
  names(kind: EntryKind, ...states: Entry["state"][]): string[] {
    return this.entries().filter(([, entry]) => entry.kind === kind && states.includes(entry.state))
      .map(([name]) => name);
  }

  /** Every entry, with its name. */
  entries(): [string, Entry][] {
    return [...this.#entries].map(([key, entry]) => [key.slice(key.indexOf(" ") + 1), entry]);
  }
}

/** How the ledgers compared with storage and the registry. */
export interface LedgerCheck {
  /** Names checked and found as reported, by kind. */
  confirmed: Record<EntryKind, number>;
  /** Names whose last operation failed, not checked. */
  unknown: number;
  /** One line per name that is not as reported. */
  contradictions: string[];
  /**
   * Images storage held broken, as `id [names]`: an image record without its manifest, which
   * a Podman killed while it wrote an image leaves (containers/storage#1113). `podman images`
   * fails on such an image, so each is removed (`podman rmi --force`) before the check; a name
   * reported there that was on one counts as a contradiction.
   */
  broken: string[];
}

interface ListedImage {
  Id: string;
  Names?: string[] | null;
}

/**
 * Compares every ledger with storage (one `podman images --all --format json` on the
 * service's storage: names and ids, manifest lists included) and with the registry (a
 * manifest HEAD per pushed tag, whose digest must be the one the push reported).
 *
 * @param ledgers The workers' ledgers, by worker number.
 * @param podman Runs the Podman CLI on the service's storage.
 * @param storageRoot The storage's `--root`, to name the names of a broken image.
 * @param registry The registry's `host:port`.
 */
export async function checkLedgers(
  ledgers: ReadonlyMap<number, Ledger>,
  podman: (args: readonly string[]) => Promise<PodmanResult>,
  storageRoot: string,
  registry: string,
): Promise<LedgerCheck> {
  const { stored, broken } = await listStorage(podman, storageRoot);
  const check: LedgerCheck = {
    confirmed: { image: 0, manifest: 0, pushed: 0 },
    unknown: 0,
    contradictions: [],
    broken: [...broken].map(([id, names]) => `${id} [${names.join(", ")}]`),
  };
  const onBroken = new Map([...broken].flatMap(([id, names]) => names.map((name) => [name, id])));
  for (const [worker, ledger] of ledgers) {
    for (const [name, entry] of ledger.entries()) {
      if (entry.state === "unknown") {
        check.unknown++;
        continue;
      }
      let problem = entry.kind === "pushed"
        ? await registryProblem(registry, name, entry)
        : storageProblem(stored, name, entry);
      const brokenId = onBroken.get(name);
      if (problem !== undefined && brokenId !== undefined) {
        problem += ` (it was on image ${brokenId}, which storage held broken)`;
      }
      if (problem === undefined) check.confirmed[entry.kind]++;
      else check.contradictions.push(`worker ${worker}: ${name}: ${problem}`);
    }
  }
  return check;
}

// Each broken image makes `podman images` fail naming it, one at a time.
const MAX_BROKEN = 50;

/** Names and ids in storage, after removing the broken images `podman images` names. */
async function listStorage(
  podman: (args: readonly string[]) => Promise<PodmanResult>,
  storageRoot: string,
): Promise<{ stored: Map<string, string>; broken: Map<string, string[]> }> {
  const broken = new Map<string, string[]>();
  for (;;) {
    const listed = await podman(["images", "--all", "--format", "json"]);
    if (listed.code === 0) {
      const stored = new Map<string, string>();
      for (const image of JSON.parse(listed.stdout) as ListedImage[]) {
        for (const name of image.Names ?? []) stored.set(name, image.Id.replace(/^sha256:/, ""));
      }
      return { stored, broken };
    }
    const id = /consider removing the image/.test(listed.stderr)
      ? /image with ID "([0-9a-f]{64})"/.exec(listed.stderr)?.[1]
      : undefined;
    if (id === undefined || broken.has(id) || broken.size === MAX_BROKEN) {
      throw new Error(`podman images failed: ${listed.stderr.trim()}`);
    }
    broken.set(id, await recordedNames(storageRoot, id));
    const removed = await podman(["rmi", "--force", id]);
    if (removed.code !== 0) {
      throw new Error(
        `podman images failed on the broken image ${id}, and podman rmi --force too: ` +
          removed.stderr.trim(),
      );
    }
  }
}

/** The names containers/storage records for an image (vfs driver), `[]` when unreadable. */
async function recordedNames(storageRoot: string, id: string): Promise<string[]> {
  try {
    const images = JSON.parse(
      await Deno.readTextFile(`${storageRoot}/vfs-images/images.json`),
    ) as { id: string; names?: string[] }[];
    return images.find((image) => image.id === id)?.names ?? [];
  } catch {
    return [];
  }
}

function storageProblem(
  stored: ReadonlyMap<string, string>,
  name: string,
  entry: Entry,
): string | undefined {
  const id = stored.get(name);
  if (entry.state === "absent") {
    return id === undefined ? undefined : `${entry.by} reported it gone, storage has it (${id})`;
  }
  if (id === undefined) return `${entry.by} reported it there, storage has no such name`;
  if (entry.id !== undefined && entry.id !== id) {
    return `${entry.by} reported image ${entry.id}, storage names ${id}`;
  }
  return undefined;
}

async function registryProblem(
  registry: string,
  reference: string,
  entry: Entry,
): Promise<string | undefined> {
  const rest = reference.slice(registry.length + 1);
  const colon = rest.lastIndexOf(":");
  const url = `http://${registry}/v2/${rest.slice(0, colon)}/manifests/${rest.slice(colon + 1)}`;
  const response = await fetch(url, {
    method: "HEAD",
    headers: {
      Accept: [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
      ].join(", "),
    },
  });
  await response.body?.cancel();
  if (response.status !== 200) {
    return `${entry.by} reported it pushed, the registry answers ${response.status}`;
  }
  const digest = response.headers.get("Docker-Content-Digest");
  if (entry.digest !== undefined && digest !== entry.digest) {
    return `${entry.by} reported digest ${entry.digest}, the registry has ${digest}`;
  }
  return undefined;
}
