import assert from "node:assert/strict";
import { firstValueFrom, lastValueFrom } from "rxjs";
import { PodmanClient, PodmanError } from "../../mod.ts";
import type { ServiceInfo } from "../../src/service/spawn_service.ts";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs `body` with TMPDIR pointing at a fresh directory, so leftovers can be counted. */
async function withTmpdir(body: (tmp: string) => Promise<void>): Promise<void> {
  // Short, because Podman limits the length of the runroot made inside it.
  const tmp = `/tmp/px${crypto.randomUUID().slice(0, 6)}`;
  await Deno.mkdir(tmp, { mode: 0o700 });
  const saved = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", tmp);
  try {
    await body(tmp);
  } finally {
    saved === undefined ? Deno.env.delete("TMPDIR") : Deno.env.set("TMPDIR", saved);
    await Deno.remove(tmp, { recursive: true });
  }
}

Deno.test("PodmanClient.spawn() serves an empty private storage and stops and cleans up on close", async () => {
  const podman = await PodmanClient.spawn({
    storage: "private",
    storageDriver: "vfs",
    env: { BUILDAH_ISOLATION: "chroot" },
  });
  const service = podman.service!;
  try {
    assert.equal(await firstValueFrom(podman.ping()), true);
    assert.deepEqual(await lastValueFrom(podman.images.list()), []);
    assert.equal(service.socketPath, `${service.dir}/podman.sock`);
    assert.equal(service.root, `${service.dir}/root`);
    assert.equal(service.runroot, `${service.dir}/runroot`);
    assert.equal(service.storageDriver, "vfs");
    // The service really uses that storage: it made its database there.
    assert.ok(exists(`${service.root}/libpod`), `no ${service.root}/libpod`);
    assert.ok(exists(`/proc/${service.pid}`));
    const cmdline = Deno.readTextFileSync(`/proc/${service.pid}/cmdline`).split("\0")
      .filter((arg) => arg !== "");
    assert.deepEqual(cmdline.slice(-5), ["system", "service", "--time", "0", service.baseUrl]);
  } finally {
    await podman.close();
  }
  assert.equal(exists(`/proc/${service.pid}`), false, "the service process is still there");
  assert.equal(exists(service.dir), false, "the service directory is still there");
  const error = await firstValueFrom(podman.ping()).catch((error: unknown) => error);
  assert.ok(error instanceof PodmanError);
  assert.match(error.message, /the client was closed/);
  // A second close is harmless.
  await podman.close();
});

Deno.test("PodmanClient.spawn({ socketPath }) listens there, makes its directory, and will not take a path a service answers on", async () => {
  await withTmpdir(async (tmp) => {
    const socketPath = `${tmp}/run/podman/podman.sock`;
    await using podman = await PodmanClient.spawn({
      storage: "private",
      storageDriver: "vfs",
      socketPath,
    });
    assert.equal(podman.service!.socketPath, socketPath);
    assert.equal(podman.service!.baseUrl, `unix://${socketPath}`);
    // Another client that knows only the path reaches the same service.
    await using other = new PodmanClient({ baseUrl: `unix://${socketPath}` });
    assert.deepEqual(await lastValueFrom(other.images.list()), []);
    const error = await PodmanClient.spawn({ storage: "private", socketPath })
      .catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError, String(error));
    assert.equal(
      error.message,
      `Cannot spawn a Podman service: a service already answers on ${socketPath}`,
    );
    assert.equal(await firstValueFrom(other.ping()), true, "the first service still answers");
    await assert.rejects(
      PodmanClient.spawn({ socketPath: "run/podman.sock" }),
      (error) =>
        error instanceof TypeError && /socketPath must be an absolute path/.test(error.message),
    );
  });
});

Deno.test("PodmanClient.spawn() with no podman executable fails with a PodmanError", async () => {
  await withTmpdir(async (tmp) => {
    const atPath = await PodmanClient.spawn({ podmanPath: "/nonexistent/podman" })
      .catch((error: unknown) => error);
    assert.ok(atPath instanceof PodmanError);
    assert.equal(
      atPath.message,
      "Cannot spawn a Podman service: no executable at /nonexistent/podman",
    );
    const onPath = await PodmanClient.spawn({ podmanPath: "podrx-no-such-podman" })
      .catch((error: unknown) => error);
    assert.ok(onPath instanceof PodmanError);
    assert.equal(
      onPath.message,
      "Cannot spawn a Podman service: no `podrx-no-such-podman` executable found on PATH " +
        "(install podman)",
    );
    assert.deepEqual([...Deno.readDirSync(tmp)], [], "a temp directory was left behind");
  });
});

Deno.test("PodmanClient.spawn() of a service that cannot start fails with its log and cleans up", async () => {
  await withTmpdir(async (tmp) => {
    const error = await PodmanClient.spawn({ storage: "private", storageDriver: "nope" })
      .catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError, String(error));
    assert.match(
      error.message,
      /^Cannot spawn a Podman service: it exited with code 125\n--- service log ---\n/,
    );
    // Podman's own complaint, from the log.
    assert.match(error.message, /nope/);
    assert.match(error.message, /driver not supported|unknown or not supported/i);
    assert.deepEqual([...Deno.readDirSync(tmp)], [], "the service directory was left behind");
  });
});

Deno.test("PodmanClient.spawn() explains a private runroot too long for Podman", async () => {
  const saved = Deno.env.get("TMPDIR");
  const tmp = await Deno.makeTempDir({ prefix: "podrx-spawn-test-with-a-long-name-" });
  Deno.env.set("TMPDIR", tmp);
  try {
    const error = await PodmanClient.spawn({ storage: "private" }).catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError, String(error));
    assert.match(
      error.message,
      /^Cannot spawn a Podman service: the private runroot \S+\/runroot is longer than the 50 characters Podman allows \(set TMPDIR to a shorter directory\)$/,
    );
    assert.deepEqual([...Deno.readDirSync(tmp)], [], "the service directory was left behind");
  } finally {
    saved === undefined ? Deno.env.delete("TMPDIR") : Deno.env.set("TMPDIR", saved);
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("PodmanClient.spawn() rejects malformed options (never throws), before starting anything", async () => {
  await assert.rejects(
    PodmanClient.spawn({ storage: "private", root: "/tmp/x" }),
    (error) => error instanceof TypeError && /leave out root and runroot/.test(error.message),
  );
  await assert.rejects(
    PodmanClient.spawn({ startTimeout: -1 }),
    (error) => error instanceof RangeError && /startTimeout/.test(error.message),
  );
  await assert.rejects(
    // @ts-expect-error: a value the types forbid, as JavaScript callers may pass it
    PodmanClient.spawn({ storage: "shared" }),
    (error) => error instanceof RangeError && /storage must be/.test(error.message),
  );
});

Deno.test("PodmanClient.spawn() stops the service when the script ends without close()", async () => {
  const { service, status } = await runChild("exit");
  assert.equal(status.code, 0);
  await assertCleanedUp(service);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`PodmanClient.spawn() stops the service on ${signal}, then ends the script`, async () => {
    const { service, status } = await runChild("wait", (child) => child.kill(signal));
    // The signal is raised again after the cleanup, so the script dies of it.
    assert.equal(status.signal, signal);
    await assertCleanedUp(service);
  });
}

Deno.test("PodmanClient.spawn() stops the service when the script calls Deno.exit()", async () => {
  const { service, status } = await runChild("deno-exit");
  assert.equal(status.code, 3);
  await assertCleanedUp(service);
});

for (
  const [mode, how] of [
    ["throw-subscriber", "an exception thrown in a subscriber"],
    ["throw-timer", "an exception thrown in a timer"],
    ["reject", "an unhandled rejection"],
  ] as const
) {
  Deno.test(`PodmanClient.spawn() stops the service when the script dies of ${how}`, async () => {
    const { service, status, stderr } = await runChild(mode);
    // The script still dies of its error, as it would without podrx.
    assert.equal(status.code, 1);
    assert.match(stderr, /Uncaught/);
    await assertCleanedUp(service);
  });
}

/**
 * The child's service is gone and its directory removed. The cleanup runs before the child
 * exits, but a process killed with SIGKILL lingers until reaped, so allow a bounded wait.
 */
async function assertCleanedUp(service: ServiceInfo): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (isLive(service.pid) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const leftovers = [
    ...(isLive(service.pid) ? ["the service outlived the script"] : []),
    ...(exists(service.dir) ? ["the service directory outlived the script"] : []),
  ];
  if (leftovers.length > 0) {
    // A failing run must not leave its service behind for the next tests.
    if (isLive(service.pid)) Deno.kill(service.pid, "SIGKILL");
    await Deno.remove(service.dir, { recursive: true }).catch(() => undefined);
  }
  assert.deepEqual(leftovers, []);
}

/** Whether a process runs (a zombie waiting to be reaped by init has stopped). */
function isLive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function runChild(
  mode: "exit" | "deno-exit" | "wait" | "throw-subscriber" | "throw-timer" | "reject",
  afterStart?: (child: Deno.ChildProcess) => void,
): Promise<{ service: ServiceInfo; status: Deno.CommandStatus; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./_spawn_child.ts", import.meta.url).pathname, mode],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
  }
  // Whatever else it prints is not needed; drain it so the pipe never fills.
  const rest = (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  if (!text.includes("\n")) {
    const status = await child.status;
    await rest;
    throw new Error(`the child script failed (${status.code}): ${await stderr}`);
  }
  const service = JSON.parse(text.slice(0, text.indexOf("\n"))) as ServiceInfo;
  if (afterStart) {
    // A child that ends by itself may have stopped its service already; this one waits.
    assert.ok(exists(`/proc/${service.pid}`), "the child's service is not running");
    afterStart(child);
  }
  const status = await child.status;
  await rest;
  return { service, status, stderr: await stderr };
}

Deno.test("PodmanClient.spawn() starts its own service even when CONTAINER_HOST and CONTAINER_CONNECTION are set", async () => {
  // Either variable turns `podman` into a remote client ("unknown flag: --root") unless the
  // service is started with --remote=false.
  const saved = ["CONTAINER_HOST", "CONTAINER_CONNECTION"].map((
    name,
  ) => [name, Deno.env.get(name)]);
  Deno.env.set("CONTAINER_HOST", "unix:///nonexistent/podman.sock");
  Deno.env.set("CONTAINER_CONNECTION", "podrx-no-such-connection");
  try {
    await using podman = await PodmanClient.spawn({ storage: "private", storageDriver: "vfs" });
    assert.equal(await firstValueFrom(podman.ping()), true);
    assert.deepEqual(await lastValueFrom(podman.images.list()), []);
  } finally {
    for (const [name, value] of saved) {
      value === undefined ? Deno.env.delete(name!) : Deno.env.set(name!, value);
    }
  }
});
