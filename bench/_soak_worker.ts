/**
 * One soak worker: its own client on the service's socket, looping over a random mix of
 * every image operation on names only it uses (`localhost/soak-wN/...`,
 * `REGISTRY/soak-wN/...`), each under a deadline. What each operation reports goes into the
 * worker's ledger; reads (get, exists, list, history, prune's report) are held against it as
 * they come, and the whole ledger against storage at the end.
 *
 * @module
 */

import { ImageNotFound, PodmanClient } from "../mod.ts";
import type { Image } from "../mod.ts";
import { delay } from "../src/async/delay.ts";
import { type EntryKind, Ledger } from "./_soak_ledger.ts";
import type { Tally } from "./_soak_tally.ts";

/** What a worker needs. */
export interface WorkerSetup {
  /** Its number, from 1; part of every name it uses. */
  id: number;
  socketPath: string;
  /** The registry's `host:port` (plain HTTP). */
  registry: string;
  /** A local image with `/bin/sh`, the base of every build. */
  baseImage: string;
  /** A directory of its own, for build contexts and archives. */
  dir: string;
  /** Seeds its choice of operations. */
  seed: number;
  /** How long one operation may take before it counts as hung. */
  deadlineMs: number;
  tally: Tally;
  /** Ends the loop after the current step. */
  stop: AbortSignal;
  /** Aborts the operation in flight too (SIGINT, SIGTERM). */
  interrupt: AbortSignal;
}

/** The outcome of one operation: its value, or its error (already counted and judged). */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

// How long an operation that hung gets to end once aborted, before it is left behind.
const ABORT_GRACE_MS = 10_000;
// Above this many images the worker removes rather than adds, to keep storage small.
const MAX_IMAGES = 12;
const BALLAST_BYTES = 4 * 1024 * 1024;

/** Runs the worker until `stop`; resolves with its ledger once its client is closed. */
export async function runWorker(setup: WorkerSetup): Promise<Ledger> {
  await using worker = new Worker(setup);
  await Deno.mkdir(worker.contextDir, { recursive: true });
  while (!setup.stop.aborted && !setup.interrupt.aborted) {
    const failed = !await pickStep(worker)(worker);
    // A service that is down refuses at once; do not spin on it.
    if (failed) await delay(100 + worker.random() * 200, setup.interrupt).catch(() => {});
  }
  return worker.ledger;
}

/** A step: one or a few operations; resolves `false` when one of them failed. */
type Step = (worker: Worker) => Promise<boolean>;

class Worker {
  readonly ledger: Ledger = new Ledger();
  readonly client: PodmanClient;
  readonly contextDir: string;
  readonly repository: string;
  readonly remoteRepository: string;
  readonly label: string;
  readonly setup: WorkerSetup;
  #state: number;
  #serial = 0;

  constructor(setup: WorkerSetup) {
    this.setup = setup;
    this.client = new PodmanClient({ baseUrl: `unix://${setup.socketPath}` });
    this.contextDir = `${setup.dir}/context`;
    this.repository = `localhost/soak-w${setup.id}/img`;
    this.remoteRepository = `${setup.registry}/soak-w${setup.id}/img`;
    this.label = `podrx.soak.worker=${setup.id}`;
    this.#state = setup.seed >>> 0;
  }

  /** A number in [0, 1) from the worker's seed (mulberry32). */
  random(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** One of `items`, at random; `undefined` for none. */
  pick<T>(items: readonly T[]): T | undefined {
    return items[Math.floor(this.random() * items.length)];
  }

  /** A tag no earlier operation of this worker used. */
  serial(prefix: string): string {
    return `${prefix}${++this.#serial}`;
  }

  /**
   * Runs one operation under the deadline and counts it. An error is judged by the tally (a
   * restart explains it or it fails the soak); `answers` marks errors that are a valid reply
   * (a 404 for a name that should be gone), which are counted but neither.
   */
  async attempt<T>(
    kind: string,
    detail: string,
    run: (signal: AbortSignal) => Promise<T>,
    answers: (error: unknown) => boolean = () => false,
  ): Promise<Outcome<T>> {
    const { tally, deadlineMs, interrupt, id } = this.setup;
    const deadline = new AbortController();
    const signal = AbortSignal.any([deadline.signal, interrupt]);
    const start = performance.now();
    let hung = false;
    const deadlineTimer = setTimeout(() => {
      hung = true;
      deadline.abort(new Error(`deadline of ${deadlineMs / 1000} s`));
    }, deadlineMs);
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const stuck = new Promise<"stuck">((resolve) => {
      graceTimer = setTimeout(() => resolve("stuck"), deadlineMs + ABORT_GRACE_MS);
    });
    let outcome: Outcome<T> | "stuck";
    try {
      outcome = await Promise.race([
        run(signal).then((value) => ({ ok: true as const, value }), (error) => ({
          ok: false as const,
          error,
        })),
        stuck,
      ]);
    } finally {
      clearTimeout(deadlineTimer);
      clearTimeout(graceTimer);
    }
    const end = performance.now();
    if (hung || outcome === "stuck") {
      tally.count(kind, "hung");
      tally.fail(
        id,
        kind,
        `${detail}: neither completed nor failed within ${deadlineMs / 1000} s` +
          (outcome === "stuck" ? `, nor within ${ABORT_GRACE_MS / 1000} s of its abort` : "") +
          ` (started at ${tally.secondsSince(start)} s)`,
      );
      return { ok: false, error: new Error("hung") };
    }
    if (outcome.ok) {
      tally.count(kind, "ok");
      return outcome;
    }
    if (interrupt.aborted) {
      tally.count(kind, "interrupted");
      return outcome;
    }
    if (answers(outcome.error)) {
      tally.count(kind, "ok (404)");
      return outcome;
    }
    const verdict = tally.judge(outcome.error, tally.touchedRestart(start, end));
    tally.count(kind, verdict.outcome);
    const sample = `${kind} ${verdict.outcome}`;
    if (!tally.samples.has(sample)) {
      tally.samples.set(sample, `${detail}: ${(outcome.error as Error)?.message}`);
    }
    if (verdict.failure !== undefined) tally.fail(id, kind, `${detail}: ${verdict.failure}`);
    else if (verdict.unexplained) {
      tally.unexplained.push(`${kind} ${detail}: ${(outcome.error as Error).message}`);
    }
    return outcome;
  }

  /**
   * Holds a read against the ledger: `found` is what the service said about `name` just now.
   * An unknown name learns its state from it; a known one must agree.
   */
  observe(name: string, kind: EntryKind, found: boolean, via: string, id?: string): void {
    const entry = this.ledger.get(name, kind);
    if (!entry || entry.state === "unknown") {
      if (found) this.ledger.present(name, kind, via, id === undefined ? {} : { id });
      else this.ledger.absent(name, kind, via);
      return;
    }
    const expected = entry.state === "present";
    if (found !== expected) {
      this.setup.tally.fail(
        this.setup.id,
        via,
        `${name}: ${entry.by} reported it ${entry.state}, ${via} finds it ${
          found ? "there" : "gone"
        }`,
      );
      // Counted once: from now on the name is what the service says.
      if (found) this.ledger.present(name, kind, via, id === undefined ? {} : { id });
      else this.ledger.absent(name, kind, via);
    } else if (found && entry.id !== undefined && id !== undefined && entry.id !== id) {
      this.setup.tally.fail(
        this.setup.id,
        via,
        `${name}: ${entry.by} reported image ${entry.id}, ${via} finds ${id}`,
      );
      this.ledger.present(name, kind, via, { id });
    }
  }

  /** A local image name of this worker that the ledger has there, at random. */
  presentImage(): string | undefined {
    return this.pick(this.ledger.names("image", "present"));
  }

  /** Gets the image `name` as a model (one counted `get`). */
  async getImage(name: string): Promise<Image | undefined> {
    const got = await this.attempt(
      "get",
      name,
      (signal) => this.client.images.promises.get(name, { signal }),
      (error) => error instanceof ImageNotFound,
    );
    if (got.ok) this.observe(name, "image", true, "get", got.value.id);
    else if (got.error instanceof ImageNotFound) this.observe(name, "image", false, "get");
    return got.ok ? got.value : undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.client.close();
  }
}

function splitName(name: string): { repository: string; tag: string } {
  const colon = name.lastIndexOf(":");
  return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
}

// --- the steps -------------------------------------------------------------------------

/**
 * Builds a new image: FROM the base, a RUN step that adds 4 MiB (the same in every build, so
 * it comes from the layer cache and the registry has it once; it makes saves, loads and pulls
 * long enough for a restart to land in the middle of one), a RUN step that writes a fresh
 * value (a new image id every time), the label.
 */
const build: Step = async (w) => {
  const name = `${w.repository}:${w.serial("b")}`;
  await Deno.writeTextFile(
    `${w.contextDir}/Containerfile`,
    [
      `FROM ${w.setup.baseImage}`,
      `RUN busybox head -c ${BALLAST_BYTES} /dev/zero > /ballast`,
      `RUN echo ${crypto.randomUUID()} > /soak.txt`,
      `LABEL ${w.label}`,
      "",
    ].join("\n"),
  );
  const built = await w.attempt(
    "build",
    name,
    (signal) => w.client.images.promises.build({ path: w.contextDir, tag: name, signal }),
  );
  if (built.ok) w.ledger.present(name, "image", "build", { id: built.value.image.id });
  else w.ledger.unknown(name, "image", "build");
  return built.ok;
};

/** Gets a name of the worker's, there or gone: the answer must match the ledger. */
const get: Step = async (w) => {
  const name = w.pick(w.ledger.names("image", "present", "absent", "unknown"));
  if (name === undefined) return build(w);
  return (await w.getImage(name)) !== undefined || w.ledger.get(name, "image")?.state === "absent";
};

/** Asks whether a name of the worker's exists: the answer must match the ledger. */
const exists: Step = async (w) => {
  const name = w.pick(w.ledger.names("image", "present", "absent", "unknown"));
  if (name === undefined) return build(w);
  const answer = await w.attempt(
    "exists",
    name,
    (signal) => w.client.images.promises.exists(name, { signal }),
  );
  if (answer.ok) w.observe(name, "image", answer.value, "exists");
  return answer.ok;
};

/** Lists the worker's images by its label: every name there must be listed, no name gone. */
const list: Step = async (w) => {
  const listed = await w.attempt(
    "list",
    w.label,
    (signal) => w.client.images.promises.list({ filters: { label: w.label }, signal }),
  );
  if (!listed.ok) return false;
  const ids = new Map<string, string>();
  for (const image of listed.value) for (const tag of image.tags) ids.set(tag, image.id);
  for (const name of w.ledger.names("image", "present", "absent")) {
    w.observe(name, "image", ids.has(name), "list", ids.get(name));
  }
  return true;
};

/** Reads an image's history: at least its own layer. */
const history: Step = async (w) => {
  const name = w.presentImage();
  if (name === undefined) return build(w);
  const image = await w.getImage(name);
  if (!image) return false;
  const read = await w.attempt("history", name, (signal) => image.promises.history({ signal }));
  if (read.ok && read.value.length === 0) {
    w.setup.tally.fail(w.setup.id, "history", `${name}: an empty history`);
  }
  return read.ok;
};

/** Adds a name to an image through the model. */
const tag: Step = async (w) => {
  const name = w.presentImage();
  if (name === undefined) return build(w);
  const image = await w.getImage(name);
  if (!image) return false;
  const tagName = w.serial("t");
  const added = `${w.repository}:${tagName}`;
  const tagged = await w.attempt(
    "tag",
    `${name} as ${added}`,
    (signal) => image.promises.tag(w.repository, tagName, { signal }),
  );
  if (tagged.ok && tagged.value) w.ledger.present(added, "image", "tag", { id: image.id });
  else w.ledger.unknown(added, "image", "tag");
  return tagged.ok;
};

/** Takes a name off an image through the model. */
const untag: Step = async (w) => {
  const name = w.presentImage();
  if (name === undefined) return build(w);
  const image = await w.getImage(name);
  if (!image) return false;
  const { repository, tag } = splitName(name);
  const untagged = await w.attempt(
    "untag",
    name,
    (signal) => image.promises.untag(repository, tag, { signal }),
  );
  if (untagged.ok) w.ledger.absent(name, "image", "untag");
  else w.ledger.unknown(name, "image", "untag");
  return untagged.ok;
};

/** Removes a name (the image too, when it was its last). */
const remove: Step = async (w) => {
  const name = w.presentImage();
  if (name === undefined) return build(w);
  return await removeName(w, name);
};

async function removeName(w: Worker, name: string): Promise<boolean> {
  const removed = await w.attempt(
    "remove",
    name,
    (signal) => w.client.images.promises.remove(name, { signal }),
  );
  if (removed.ok) w.ledger.absent(name, "image", "remove");
  else w.ledger.unknown(name, "image", "remove");
  return removed.ok;
}

/** Tags an image with a new name in the registry and pushes it. */
const push: Step = async (w) => {
  const name = w.pick(w.ledger.names("image", "present").filter((n) => n.startsWith(w.repository)));
  if (name === undefined) return build(w);
  const image = await w.getImage(name);
  if (!image) return false;
  const tagName = w.serial("p");
  const reference = `${w.remoteRepository}:${tagName}`;
  const tagged = await w.attempt(
    "tag",
    `${name} as ${reference}`,
    (signal) => image.promises.tag(w.remoteRepository, tagName, { signal }),
  );
  if (!tagged.ok || !tagged.value) {
    w.ledger.unknown(reference, "image", "tag");
    return false;
  }
  w.ledger.present(reference, "image", "tag", { id: image.id });
  const pushed = await w.attempt(
    "push",
    reference,
    (signal) => w.client.images.promises.push(reference, { tlsVerify: false, signal }),
  );
  if (pushed.ok) {
    w.ledger.present(
      reference,
      "pushed",
      "push",
      pushed.value.digest === undefined ? {} : { digest: pushed.value.digest },
    );
  } else w.ledger.unknown(reference, "pushed", "push");
  return pushed.ok;
};

/** Pulls a tag the worker pushed, after removing its local name when there is one. */
const pull: Step = async (w) => {
  const reference = w.pick(w.ledger.names("pushed", "present"));
  if (reference === undefined) return push(w);
  if (w.ledger.get(reference, "image")?.state === "present") {
    if (!await removeName(w, reference)) return false;
  }
  const pulled = await w.attempt(
    "pull",
    reference,
    (signal) => w.client.images.promises.pull(reference, { tlsVerify: false, signal }),
  );
  if (pulled.ok) w.ledger.present(reference, "image", "pull", { id: pulled.value.id });
  else w.ledger.unknown(reference, "image", "pull");
  return pulled.ok;
};

/** Saves an image to a file with its name, removes the name, loads the file back. */
const saveLoad: Step = async (w) => {
  const name = w.presentImage();
  if (name === undefined) return build(w);
  const image = await w.getImage(name);
  if (!image) return false;
  const archive = `${w.setup.dir}/${w.serial("archive")}.tar`;
  try {
    const saved = await w.attempt(
      "save",
      name,
      (signal) => image.promises.saveToFile(archive, { named: name, signal }),
    );
    if (!saved.ok) return false;
    if (!await removeName(w, name)) return false;
    const loaded = await w.attempt(
      "load",
      `${archive} (${name})`,
      (signal) => w.client.images.promises.load(archive, { signal }),
    );
    if (!loaded.ok) {
      w.ledger.unknown(name, "image", "load");
      return false;
    }
    const back = loaded.value.find((each) => each.tags.includes(name));
    if (!back || back.id !== image.id) {
      w.setup.tally.fail(
        w.setup.id,
        "load",
        `${name}: saved image ${image.id}, loaded ${
          loaded.value.map((each) => `${each.id} [${each.tags.join(", ")}]`).join("; ")
        }`,
      );
    }
    if (back) w.ledger.present(name, "image", "load", { id: back.id });
    else w.ledger.unknown(name, "image", "load");
    return true;
  } finally {
    await Deno.remove(archive).catch(() => {});
  }
};

/** Prunes the worker's dangling images: none of its named images may go. */
const prune: Step = async (w) => {
  const pruned = await w.attempt(
    "prune",
    w.label,
    (signal) => w.client.images.promises.prune({ filters: { label: w.label }, signal }),
  );
  if (!pruned.ok) return false;
  const deleted = new Set(pruned.value.imagesDeleted.map((id) => id.replace(/^sha256:/, "")));
  for (const name of w.ledger.names("image", "present")) {
    const id = w.ledger.get(name, "image")?.id;
    if (id !== undefined && deleted.has(id)) {
      w.setup.tally.fail(w.setup.id, "prune", `${name}: pruned image ${id}, which has this name`);
      w.ledger.unknown(name, "image", "prune");
    }
  }
  return true;
};

/** Searches the registry for the worker's repository: found once it pushed there. */
const search: Step = async (w) => {
  const hits = await w.attempt(
    "search",
    w.remoteRepository,
    (signal) => w.client.images.promises.search(w.remoteRepository, { tlsVerify: false, signal }),
  );
  if (!hits.ok) return false;
  const repository = w.remoteRepository.slice(w.setup.registry.length + 1);
  if (
    w.ledger.names("pushed", "present").length > 0 &&
    !hits.value.some((hit) => hit.name.endsWith(repository))
  ) {
    w.setup.tally.fail(
      w.setup.id,
      "search",
      `${w.remoteRepository}: pushed to, not found (${hits.value.map((hit) => hit.name)})`,
    );
  }
  return true;
};

/** Reads a pushed tag's manifest from the registry: the digest must be the push's. */
const registryData: Step = async (w) => {
  const reference = w.pick(w.ledger.names("pushed", "present"));
  if (reference === undefined) return push(w);
  const data = await w.attempt(
    "getRegistryData",
    reference,
    (signal) => w.client.images.promises.getRegistryData(reference, { tlsVerify: false, signal }),
  );
  if (!data.ok) return false;
  const digest = w.ledger.get(reference, "pushed")?.digest;
  if (digest !== undefined && data.value.id !== digest) {
    w.setup.tally.fail(
      w.setup.id,
      "getRegistryData",
      `${reference}: the push reported ${digest}, the registry says ${data.value.id}`,
    );
  }
  return true;
};

/** Makes a manifest list of one image, checks it exists, removes it, checks it is gone. */
const manifest: Step = async (w) => {
  const name = w.presentImage();
  if (name === undefined) return build(w);
  const image = await w.getImage(name);
  if (!image) return false;
  const list = `localhost/soak-w${w.setup.id}/list:${w.serial("m")}`;
  const manifests = w.client.manifests.promises;
  const created = await w.attempt(
    "manifestCreate",
    list,
    (signal) => manifests.create(list, { images: [image], signal }),
  );
  if (!created.ok) {
    w.ledger.unknown(list, "manifest", "manifestCreate");
    return false;
  }
  w.ledger.present(list, "manifest", "manifestCreate");
  if (!await manifestExists(w, list)) return false;
  const removed = await w.attempt(
    "manifestRemove",
    list,
    (signal) => manifests.remove(list, { signal }),
  );
  if (!removed.ok) {
    w.ledger.unknown(list, "manifest", "manifestRemove");
    return false;
  }
  w.ledger.absent(list, "manifest", "manifestRemove");
  return await manifestExists(w, list);
};

async function manifestExists(w: Worker, list: string): Promise<boolean> {
  const answer = await w.attempt(
    "manifestExists",
    list,
    (signal) => w.client.manifests.promises.exists(list, { signal }),
  );
  if (answer.ok) w.observe(list, "manifest", answer.value, "manifestExists");
  return answer.ok;
}

const STEPS: readonly (readonly [Step, number])[] = [
  [build, 3],
  [get, 2],
  [exists, 2],
  [list, 1],
  [history, 1],
  [tag, 2],
  [untag, 1],
  [remove, 2],
  [push, 2],
  [pull, 2],
  [saveLoad, 1],
  [prune, 1],
  [search, 1],
  [registryData, 1],
  [manifest, 1],
];
const TOTAL_WEIGHT = STEPS.reduce((sum, [, weight]) => sum + weight, 0);

function pickStep(w: Worker): Step {
  if (w.ledger.names("image", "present").length > MAX_IMAGES) return remove;
  let roll = w.random() * TOTAL_WEIGHT;
  for (const [step, weight] of STEPS) {
    roll -= weight;
    if (roll < 0) return step;
  }
  return build;
}
