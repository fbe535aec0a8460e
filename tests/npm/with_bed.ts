// deno-lint-ignore-file no-console -- the wrapper reports to the terminal
/**
 * Runs one command against one test bed, for the tests that run outside Deno (Node and Bun
 * importing the npm build): starts a bed as `tests/run.ts` does (`startBed`) and an SSH server
 * on loopback (`startSshd`), runs the command with both in its environment (`TEST_BED_ENV`
 * and `PODRX_NPM_SSH_*`, read by tests/npm/consumer), and always stops them again.
 *
 * ```sh
 * deno run -A tests/npm/with_bed.ts -- node --test podrx.test.mjs
 * PODRX_PODMAN=sid deno run -A tests/npm/with_bed.ts -- sh -c 'node --test && bun test'
 * ```
 *
 * Exits with the command's exit code; 1 when the bed does not start; SIGINT and SIGTERM are
 * passed to the command, stop the bed, and exit with 130 and 143.
 *
 * @module
 */

import { keepLoopbackOffProxies, testBedEnv } from "../bed/env.ts";
import { selectPodman } from "../bed/select_podman.ts";
import { runCleanups, startBed } from "../bed/start_bed.ts";
import { startSshd } from "../client/_sshd.ts";

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

async function main(args: readonly string[]): Promise<number> {
  const command = args[0] === "--" ? args.slice(1) : args;
  const [program, ...programArgs] = command;
  if (program === undefined) {
    console.error("usage: deno run -A tests/npm/with_bed.ts -- COMMAND [ARGS...]");
    return 2;
  }
  const cleanups: (() => Promise<void>)[] = [];
  const interrupt = new AbortController();
  let caught: HandledSignal | undefined;
  let child: Deno.ChildProcess | undefined;

  const listeners = (Object.keys(SIGNAL_EXIT_CODES) as HandledSignal[]).map((signal) => {
    const listener = (): void => {
      if (caught !== undefined) return;
      caught = signal;
      console.error(`podrx npm bed: ${signal}, stopping`);
      interrupt.abort(new Error(`Interrupted by ${signal}`));
      // The command may be in a process group of its own (a test runner's workers): it gets
      // the signal itself, and the bed stops once it has ended.
      try {
        child?.kill(signal);
      } catch {
        // It has ended already.
      }
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });

  try {
    const started = performance.now();
    const podman = await selectPodman();
    console.log(`podrx npm bed: ${podman.version} (${podman.program})`);
    const bed = await startBed(cleanups, {
      label: "podrx npm bed",
      userSocket: false,
      signal: interrupt.signal,
    });
    // An SSH server on loopback that logs in to this machine, for ssh:// connections.
    const sshd = await startSshd();
    cleanups.push(() => sshd.stop());
    console.log(`podrx npm bed: ready in ${seconds(started)} s; running ${command.join(" ")}`);
    child = new Deno.Command(program, {
      args: programArgs,
      env: {
        ...testBedEnv(bed),
        PODRX_NPM_SSH_URL: sshd.url(bed.socketPath),
        PODRX_NPM_SSH_PORT: String(sshd.port),
        PODRX_NPM_SSH_IDENTITY: sshd.identity,
        PODRX_NPM_SSH_KNOWN_HOSTS: sshd.knownHosts,
        PODRX_NPM_SSH_EMPTY_KNOWN_HOSTS: sshd.emptyKnownHosts,
      },
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const status = await child.status;
    if (caught !== undefined) return SIGNAL_EXIT_CODES[caught];
    console.log(`podrx npm bed: ${program} exited with ${status.code} after ${seconds(started)} s`);
    return status.code;
  } catch (error) {
    if (caught !== undefined) return SIGNAL_EXIT_CODES[caught];
    console.error(`podrx npm bed: FAILED: ${error instanceof Error ? error.message : error}`);
    return 1;
  } finally {
    await runCleanups(
      cleanups,
      (error) =>
        console.error(
          `podrx npm bed: cleanup failed: ${error instanceof Error ? error.message : error}`,
        ),
    );
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

if (import.meta.main) {
  keepLoopbackOffProxies();
  Deno.exit(await main(Deno.args));
}
