// delay(): the abortable wait behind retries and readiness polls.
import assert from "node:assert/strict";
import { delay } from "../../src/async/delay.ts";

Deno.test("delay() resolves after its time", async () => {
  const started = performance.now();
  await delay(20);
  assert.ok(performance.now() - started >= 19, "resolved before its time");
});

Deno.test("delay() rejects with the signal's reason, aborted before or during the wait, and leaves no timer behind", async () => {
  // In a script of its own: a timer left behind keeps a process alive, so the script ends on
  // its own only if each aborted wait (an hour long) left none; the bound is 60 s.
  const script = `
    import { delay } from ${
    JSON.stringify(new URL("../../src/async/delay.ts", import.meta.url).href)
  };
    const reason = new Error("stop");
    const controller = new AbortController();
    const during = delay(3_600_000, controller.signal);
    controller.abort(reason);
    const before = delay(3_600_000, AbortSignal.abort(reason));
    const ends = await Promise.all([during, before].map((wait) => wait.catch((error) => error)));
    console.log(ends.map((end) => end === reason ? "rejected with the reason" : "other").join());
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const bound = setTimeout(() => child.kill("SIGKILL"), 60_000);
  try {
    const { code, stdout } = await child.output();
    assert.equal(
      new TextDecoder().decode(stdout).trim(),
      "rejected with the reason,rejected with the reason",
    );
    assert.equal(code, 0, "the script did not end on its own: a timer was left running");
  } finally {
    clearTimeout(bound);
  }
});
