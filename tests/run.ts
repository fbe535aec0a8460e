// deno-lint-ignore-file no-console -- the runner reports to the terminal
/**
 * Test runner: starts the test bed (three registries: open, basic auth and token auth, the
 * token auth's token service, and a private Podman service with seeded images), runs `deno test` against it, and always tears it down again.
 *
 * ```sh
 * deno run -A tests/run.ts [deno test args...]   # default: tests/
 * PODRX_PODMAN=sid deno run -A tests/run.ts ... # against a chroot's Podman (.ci/chroot/build sid)
 * ```
 *
 * A bed that does not start fails the run with exit code 1; tests never skip for lack of
 * services.
 *
 * @module
 */

import { keepLoopbackOffProxies, type TestBed, testBedEnv } from "./bed/env.ts";
import { selectPodman } from "./bed/select_podman.ts";
import { startBed } from "./bed/start_bed.ts";

const SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];
const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

async function main(testArgs: readonly string[]): Promise<number> {
  const cleanups: (() => Promise<void>)[] = [];
  const interrupt = new AbortController();
  let testChild: Deno.ChildProcess | undefined;
  let caught: Deno.Signal | undefined;

  function onSignal(signal: Deno.Signal): void {
    if (caught !== undefined) {
      console.error(`podrx test bed: ${signal} again; still stopping services, please wait`);
      return;
    }
    caught = signal;
    console.error(`podrx test bed: ${signal}, stopping`);
    interrupt.abort(new Error(`Interrupted by ${signal}`));
    // A terminal's Ctrl-C reaches the child too, but a SIGTERM sent to the runner alone
    // does not.
    try {
      testChild?.kill(signal);
    } catch {
      // Already gone.
    }
  }
  const listeners = SIGNALS.map((signal) => {
    const listener = (): void => onSignal(signal);
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });

  try {
    const started = performance.now();
    let bed: TestBed;
    try {
      // PODRX_PODMAN=trixie|sid|experimental runs Podman from a Debian chroot (.ci/chroot/).
      const podman = await selectPodman();
      console.log(`podrx test bed: ${podman.version} (${podman.program})`);
      bed = await startBed(cleanups, {
        label: "podrx test bed",
        userSocket: true,
        signal: interrupt.signal,
      });
    } catch (error) {
      if (caught !== undefined) return SIGNAL_EXIT_CODES[caught] ?? 1;
      console.error("podrx test bed: FAILED to start; no tests were run");
      console.error(error instanceof Error ? error.message : error);
      return 1;
    }
    console.log(`podrx test bed: ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    testChild = new Deno.Command(Deno.execPath(), {
      // --expose-gc: tests that bound memory collect garbage first (globalThis.gc).
      args: [
        "test",
        "-A",
        "--v8-flags=--expose-gc",
        ...(testArgs.length > 0 ? testArgs : ["tests/"]),
      ],
      env: testBedEnv(bed),
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const status = await testChild.status;
    if (caught !== undefined) return SIGNAL_EXIT_CODES[caught] ?? 1;
    // A child killed by a signal reports no useful code of its own.
    return status.signal === null ? status.code : 1;
  } finally {
    // Newest first: Podman may still be talking to the registries.
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error(
          `podrx test bed: cleanup failed: ${error instanceof Error ? error.message : error}`,
        );
      }
    }
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
}

if (import.meta.main) {
  keepLoopbackOffProxies();
  Deno.exit(await main(Deno.args));
}
