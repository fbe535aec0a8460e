// `deno task demo:fleet` (tools/demo_fleet.ts running examples/fleet_rollout.ts's rollOut), run
// as a user runs it: it starts its own registry and four private Podman services, so it needs
// nothing of the test bed but the machine's podman.
import assert from "node:assert/strict";
import { processesNaming, shortTempDir } from "../bed/_leftovers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("deno task demo:fleet gives every host the build host's image id and leaves nothing behind", async () => {
  const tmp = await shortTempDir("pf");
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
