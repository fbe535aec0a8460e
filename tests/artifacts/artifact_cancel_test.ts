/**
 * Artifact transfers cancelled half-way, against the real service and the bed's registry:
 * the client's connection to Podman closes, Podman stops (it drops its registry connections
 * and its handler ends), and nothing half-done is left in the store or the registry.
 *
 * Podman answers a push or a pull only once the transfer is over, so "half-way" needs a
 * transfer that waits: the registry is reached through a proxy (tests/fake/holding_registry.ts)
 * that holds the blob requests until the test lets them go. That the transfer is under way is
 * a fact the proxy saw (a blob request arrived), not a guess from a timer. The service's log
 * tells when Podman's handler ended: its access line is written when the handler returns.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Observable, Subscription } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { waitUntil } from "../async/_wait_until.ts";
import { testBed } from "../bed/env.ts";
import { type CountingProxy, startCountingProxy } from "../fake/counting_proxy.ts";
import { type HoldingRegistry, startHoldingRegistry } from "../fake/holding_registry.ts";
import {
  all,
  artifactName,
  cliNames,
  registryManifest,
  seededBytes,
  serverHasArtifacts,
} from "./_artifacts.ts";

const bed = testBed();
const hasArtifacts = await serverHasArtifacts();

// Podman pushes a blob with POST .../blobs/uploads/, then PATCH (the bytes) and PUT (the
// digest) on the upload's location; it pulls one with GET .../blobs/sha256:...
const BLOB_UPLOAD = /^(PATCH|PUT) \/v2\/.+\/blobs\/uploads\//;
const BLOB_DOWNLOAD = /^GET \/v2\/.+\/blobs\/sha256:/;
// How long a stop may take to show. On the bed it takes tens of milliseconds.
const STOP_MS = 15_000;
// How long a transfer may take to reach the held request.
const START_MS = 60_000;

/** The bed seen through proxies, and a fresh artifact name on the holding registry. */
interface Proxied {
  /** Counts the client's connections to the service. */
  socket: CountingProxy;
  /** A client whose every connection goes through `socket`. */
  podman: PodmanClient;
  /** The bed's open registry, behind a proxy that holds what it is told to. */
  registry: HoldingRegistry;
  /** A name on `registry` no other test uses. */
  name: string;
}

/** Runs `body` on fresh proxies, then removes the artifact `name` if it is in the store. */
async function throughProxies(
  what: string,
  body: (proxied: Proxied) => Promise<void>,
): Promise<void> {
  await using socket = await startCountingProxy(bed.socketPath);
  await using podman = new PodmanClient({ baseUrl: `unix://${socket.socketPath}` });
  await using registry = startHoldingRegistry(bed.registry);
  const name = artifactName(what, registry.address);
  try {
    await body({ socket, podman, registry, name });
  } finally {
    // A transfer still running (a failed test) holds the store's lock until its registry goes.
    await registry.close();
    await podman.artifacts.promises.remove(name, { ignore: true });
  }
}

/**
 * Waits until the client has closed its connection to the service and, with `registry`, until
 * Podman has closed every connection to the registry.
 */
async function assertStopped(socket: CountingProxy, registry?: HoldingRegistry): Promise<void> {
  // Every request of the client went one after the other, on one connection: the last one's.
  await waitUntil(
    () => socket.open === 0,
    STOP_MS,
    () => `the client keeps ${socket.open} connection(s) to the service open`,
  );
  if (registry === undefined) return;
  await waitUntil(
    () => registry.open === 0,
    STOP_MS,
    () =>
      `Podman keeps ${registry.open} connection(s) to the registry open: ${
        JSON.stringify(registry.connections.filter((connection) => !connection.closed))
      }`,
  );
}

/** How an operation ended, as its subscriber saw it. */
interface Ending {
  error?: unknown;
  completed?: boolean;
}

/**
 * Subscribes to `events`, waits until `underWay()` holds (the transfer has begun), then calls
 * `stop` with the subscription. An operation that ends before that fails the test.
 *
 * @returns How the operation ended after `stop`, as far as the subscriber saw: an
 * unsubscribed one stays `{}`.
 */
async function stopWhenUnderWay<T>(
  events: Observable<T>,
  underWay: () => boolean,
  what: string,
  stop: (subscription: Subscription) => void,
): Promise<Ending> {
  const ending: Ending = {};
  const subscription = events.subscribe({
    error: (error: unknown) => (ending.error = error),
    complete: () => (ending.completed = true),
  });
  await waitUntil(
    () => underWay() || "error" in ending || ending.completed === true,
    START_MS,
    () => `${what} never got under way`,
  );
  assert.deepEqual(ending, {}, `${what} ended before it was stopped`);
  stop(subscription);
  return ending;
}

/** Where the service's log ends now: what it holds before is not evidence. */
async function logEnd(): Promise<number> {
  return (await Deno.readTextFile(bed.serviceLog)).length;
}

/** The service's log from `start` (a {@linkcode logEnd}) on. */
async function logSince(start: number): Promise<string> {
  return (await Deno.readTextFile(bed.serviceLog)).slice(start);
}

/**
 * Waits until the service has logged the end of the POST whose target holds `target` (the
 * access line is written when the handler returns), and returns its status and the log up
 * to that line.
 */
async function handled(
  logStart: number,
  target: string,
): Promise<{ status: number; log: string }> {
  const access = / HTTP\/1\.1" (\d{3}) /;
  let found: { status: number; log: string } | undefined;
  await waitUntil(
    async () => {
      const lines = (await logSince(logStart)).split("\n");
      const at = lines.findIndex((line) =>
        line.includes('"POST ') && line.includes(target) && access.test(line)
      );
      if (at !== -1) {
        found = { status: Number(access.exec(lines[at]!)![1]), log: lines.slice(0, at).join("\n") };
      }
      return found !== undefined;
    },
    STOP_MS,
    () => `${bed.serviceLog} never logged the end of ${target}`,
  );
  return found!;
}

/** Every file of the artifact store (Podman's OCI layout under its root), with its size. */
async function storeFiles(): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else files.push(`${path.slice(bed.root.length)} ${(await Deno.stat(path)).size}`);
    }
  };
  await walk(`${bed.root}/artifacts`);
  return files.sort();
}

/** `name` (`127.0.0.1:PORT/path:tag` on the proxy) as the bed's registry itself holds it. */
function inRegistry(name: string, registry: HoldingRegistry): string {
  return `${bed.registry}${name.slice(registry.address.length)}`;
}

/**
 * Pushes the artifact `name` (on the holding registry) and stops the push with `stop` once
 * Podman is uploading a blob; then checks that the client's connection to the service closed,
 * that Podman closed every connection to the registry and ended the push because its request
 * ended, that the registry has no manifest for the tag, and that pushing again works.
 */
async function pushStoppedMidway(
  { socket, podman, registry, name }: Proxied,
  options: { signal?: AbortSignal },
  stop: (subscription: Subscription) => void,
): Promise<Ending> {
  await podman.artifacts.promises.add(name, {
    fileName: "weights.bin",
    data: seededBytes(200_000, 1),
  });
  const logStart = await logEnd();
  let held: string | undefined;
  void registry.hold(BLOB_UPLOAD).then((line) => (held = line));
  const ending = await stopWhenUnderWay(
    podman.artifacts.push(name, { tlsVerify: false, ...options }),
    () => held !== undefined,
    "the push",
    stop,
  );
  await assertStopped(socket, registry);
  const push = await handled(logStart, `/artifacts/${encodeURIComponent(name)}/push`);
  assert.equal(push.status, 500);
  // Podman's words for a push whose request context ended: the client left.
  assert.match(
    push.log,
    /Request Failed\(Internal Server Error\): writing blob: .*context canceled/,
  );
  // Podman has let go of the connection that carried the held bytes, so they never reach the
  // registry, and its handler has returned: what the registry holds now is what stays.
  registry.release();
  assert.equal(
    await registryManifest(inRegistry(name, registry)),
    undefined,
    "the registry has no manifest for the tag",
  );
  // Nothing half-done stands in the way of the next push.
  const events = await all(podman.artifacts.push(name, { tlsVerify: false }));
  const pushed = events.at(-1);
  assert.equal(pushed?.type, "pushed");
  assert.equal(
    (await registryManifest(inRegistry(name, registry)))?.digest,
    pushed?.type === "pushed" ? pushed.digest : undefined,
  );
  return ending;
}

Deno.test({
  name:
    "artifacts.push() unsubscribed while a blob uploads: the connection closes, Podman stops, the registry gets no manifest, and a later push works",
  ignore: !hasArtifacts,
  fn: () =>
    throughProxies("push-unsubscribed", async (proxied) => {
      const ending = await pushStoppedMidway(
        proxied,
        {},
        (subscription) => subscription.unsubscribe(),
      );
      assert.deepEqual(ending, {}, "an unsubscribed push neither errors nor completes");
    }),
});

Deno.test({
  name:
    "artifacts.push() whose signal aborts while a blob uploads stops as unsubscribing does, and errors with the signal's reason",
  ignore: !hasArtifacts,
  fn: () =>
    throughProxies("push-aborted", async (proxied) => {
      const controller = new AbortController();
      const reason = new Error("the user cancelled the push");
      const ending = await pushStoppedMidway(
        proxied,
        { signal: controller.signal },
        () => controller.abort(reason),
      );
      assert.equal(ending.error, reason, "the error is the signal's reason itself");
      assert.equal(ending.completed, undefined);
    }),
});

Deno.test({
  name:
    "artifacts.pull() unsubscribed while a blob downloads: the connection closes, Podman stops, and the store has no such artifact",
  ignore: !hasArtifacts,
  fn: () =>
    throughProxies("pull-unsubscribed", async ({ socket, podman, registry, name }) => {
      const added = await podman.artifacts.promises.add(name, [
        { fileName: "weights.bin", data: seededBytes(300_000, 3) },
        { fileName: "config.json", data: new TextEncoder().encode('{"layers":2}') },
      ]);
      await podman.artifacts.promises.push(name, { tlsVerify: false });
      await podman.artifacts.promises.remove(name);
      const before = await storeFiles();
      const logStart = await logEnd();
      let held: string | undefined;
      void registry.hold(BLOB_DOWNLOAD).then((line) => (held = line));
      const ending = await stopWhenUnderWay(
        podman.artifacts.pull(name, { tlsVerify: false }),
        () => held !== undefined,
        "the pull",
        (subscription) => subscription.unsubscribe(),
      );
      await assertStopped(socket, registry);
      const pull = await handled(
        logStart,
        `/artifacts/pull?name=${encodeURIComponent(name)}`,
      );
      assert.equal(pull.status, 500);
      assert.match(
        pull.log,
        /Request Failed\(Internal Server Error\): reading blob .*context canceled/,
      );
      assert.deepEqual(ending, {}, "an unsubscribed pull neither errors nor completes");
      // Podman's handler has returned: whatever it left is what stays.
      assert.equal(await podman.artifacts.promises.exists(name), false);
      assert.ok(!(await cliNames()).includes(name), "podman artifact ls does not list it");
      assert.deepEqual(await storeFiles(), before, "the store's files are as they were");
      // And the next pull brings the artifact whole.
      registry.release();
      const pulled = await podman.artifacts.promises.pull(name, { tlsVerify: false });
      assert.deepEqual(
        pulled.files.map((file) => [file.title, file.digest]),
        added.files.map((file) => [file.title, file.digest]),
      );
    }),
});

Deno.test({
  name:
    "artifacts.add() unsubscribed while a stream uploads: the stream is cancelled, the connection closes, and no artifact is left",
  ignore: !hasArtifacts,
  fn: () =>
    throughProxies("add-unsubscribed", async ({ socket, podman, name }) => {
      const CHUNK = 1024 * 1024;
      // Past what the socket's buffers hold, so the service has been reading the body.
      const FED = 4;
      let asked = 0;
      const cancelled = Promise.withResolvers<void>();
      let wasCancelled = false;
      const source = new ReadableStream<Uint8Array>({
        pull(controller) {
          asked++;
          if (asked <= FED) {
            controller.enqueue(seededBytes(CHUNK, asked));
            return;
          }
          // The rest never comes: the upload is under way until the client gives up.
          return cancelled.promise;
        },
        cancel() {
          wasCancelled = true;
          cancelled.resolve();
        },
      }, { highWaterMark: 0 });
      // Asking makes Podman set its store up (a first run has none), so that `before` is the
      // store's files as the add finds them.
      assert.equal(await podman.artifacts.promises.exists(name), false);
      const before = await storeFiles();
      const logStart = await logEnd();
      const ending = await stopWhenUnderWay(
        podman.artifacts.add(name, { fileName: "stream.bin", data: source }),
        // The upload took every chunk fed and waits for more.
        () => asked > FED,
        "the upload",
        (subscription) => subscription.unsubscribe(),
      );
      await waitUntil(() => wasCancelled, STOP_MS, () => "the stream source was never cancelled");
      await assertStopped(socket);
      const add = await handled(
        logStart,
        `/artifacts/add?name=${encodeURIComponent(name)}`,
      );
      assert.equal(add.status, 500);
      // Podman's words for a body that ended before its end: the client left.
      assert.match(add.log, /Request Failed\(Internal Server Error\): unexpected EOF/);
      assert.deepEqual(ending, {}, "an unsubscribed add neither errors nor completes");
      assert.equal(await podman.artifacts.promises.exists(name), false);
      assert.ok(!(await cliNames()).includes(name), "podman artifact ls does not list it");
      assert.deepEqual(await storeFiles(), before, "no blob or temporary file is left");
    }),
});
