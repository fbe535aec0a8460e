// `deno task demo:fleet`, run as a user runs it: it starts its own registry and four private
// Podman services, so it needs nothing of the test bed but the machine's podman.
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * A fresh, short temp directory: the demo's services put their runroot under TMPDIR, and
 * Podman allows a runroot of 50 characters at most, too few for a `Deno.makeTempDir` inside
 * another one.
 */
async function shortTempDir(): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const dir = `/tmp/pf${Math.random().toString(36).slice(2, 6)}`;
    try {
      await Deno.mkdir(dir);
      return dir;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  throw new Error("no free short temp directory name in /tmp");
}

/** The processes whose command line names `text`, as `pid: command line`. */
async function processesNaming(text: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const line = (await Deno.readTextFile(`/proc/${entry.name}/cmdline`)).replaceAll("\0", " ");
      if (line.includes(text)) found.push(`${entry.name}: ${line}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

Deno.test("deno task demo:fleet gives every host the build host's image id and leaves nothing behind", async () => {
  const tmp = await shortTempDir();
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["task", "demo:fleet"],
      cwd: ROOT,
      stdin: "null",
      env: { NO_COLOR: "1", TMPDIR: tmp },
      signal: AbortSignal.timeout(300_000),
    }).output();
    const out = new TextDecoder().decode(stdout);
    const explain = `exit ${code}\n--- stdout ---\n${out}\n--- stderr ---\n${
      new TextDecoder().decode(stderr)
    }`;
    assert.equal(code, 0, explain);

    // Every service the demo started, by the socket it printed, lives in our TMPDIR.
    const sockets = [...out.matchAll(/^ {2}(build|edge-\d) +(\S+\.sock)$/gm)];
    assert.deepEqual(sockets.map((match) => match[1]), ["build", "edge-1", "edge-2", "edge-3"]);
    for (const [, , socket] of sockets) assert.ok(socket!.startsWith(`${tmp}/`), socket);

    const built = out.match(/^built \S+ \(([0-9a-f]{12})\) on build$/m);
    assert.ok(built, explain);
    const verified = out.slice(out.indexOf("verify: the image's id on every host"));
    const ids = Object.fromEntries(
      [...verified.matchAll(/^ {2}(\S) (\S+) +([0-9a-f]{12})$/gm)].map((match) => [
        match[2],
        `${match[1]} ${match[3]}`,
      ]),
    );
    const expected = `✔ ${built[1]}`;
    assert.deepEqual(ids, {
      build: expected,
      "edge-1": expected,
      "edge-2": expected,
      "edge-3": expected,
    }, explain);
    assert.match(out, /^done: every host has the same image; stopping the services$/m);

    // Nothing left: no process (services, registry) running from our TMPDIR, and no file in it.
    assert.deepEqual(await processesNaming(tmp), []);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(tmp), (entry) => entry.name), []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
