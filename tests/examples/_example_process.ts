/**
 * Runs an example as a user runs it (`deno run -A examples/<name>.ts ...`), as a subprocess
 * whose output the tests read as it comes.
 *
 * @module
 */

const EXAMPLES = new URL("../../examples/", import.meta.url).pathname;

/** A running example: its output so far, with the time each chunk arrived. */
export interface ExampleProcess {
  child: Deno.ChildProcess;
  /** Stdout chunks as they came. */
  chunks: { text: string; at: number }[];
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout holds `text`; rejects after `timeoutMs` or when the process ends. */
  waitFor(text: string, timeoutMs: number): Promise<number>;
  /** Exit status and all output; the process is killed when it runs past `timeoutMs`. */
  done: Promise<{ code: number; signal: Deno.Signal | null; stdout: string; stderr: string }>;
}

/** How {@linkcode startExample} runs the script, beyond its arguments. */
export interface ExampleOptions {
  /** Killed (SIGKILL) after this long. */
  timeoutMs?: number;
  /** `piped` to write to the script's stdin through `child.stdin`. */
  stdin?: "null" | "piped";
  /** Variables on top of this process's own (`NO_COLOR=1` is always set). */
  env?: Record<string, string>;
  /** The script's working directory. */
  cwd?: string;
}

/** Starts `examples/<script>` with `args`. */
export function startExample(
  script: string,
  args: string[],
  options: ExampleOptions = {},
): ExampleProcess {
  const { timeoutMs = 120_000, stdin = "null", env = {}, cwd } = options;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${EXAMPLES}${script}`, ...args],
    stdin,
    stdout: "piped",
    stderr: "piped",
    env: { ...env, NO_COLOR: "1" },
    ...(cwd === undefined ? {} : { cwd }),
  }).spawn();
  const chunks: { text: string; at: number }[] = [];
  let stderr = "";
  const stdoutDone = (async () => {
    for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
      chunks.push({ text, at: performance.now() });
    }
  })();
  const stderrDone = (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) stderr += text;
  })();
  const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const stdout = (): string => chunks.map((chunk) => chunk.text).join("");
  let ended = false;
  const done = (async () => {
    const status = await child.status;
    ended = true;
    clearTimeout(killer);
    await Promise.all([stdoutDone, stderrDone]);
    return { code: status.code, signal: status.signal, stdout: stdout(), stderr };
  })();
  async function waitFor(text: string, waitMs: number): Promise<number> {
    const deadline = performance.now() + waitMs;
    while (!stdout().includes(text)) {
      if (ended || performance.now() > deadline) {
        throw new Error(`"${text}" never came; stdout:\n${stdout()}\nstderr:\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return performance.now();
  }
  return { child, chunks, stdout, stderr: () => stderr, waitFor, done };
}

/** Runs `examples/<script>` to its end. */
export async function runExample(
  script: string,
  args: string[],
  options: ExampleOptions = {},
): Promise<{ code: number; signal: Deno.Signal | null; stdout: string; stderr: string }> {
  return await startExample(script, args, options).done;
}

/** A run's exit code and output, for an assertion's message. */
export function explain(run: { code: number; stdout: string; stderr: string }): string {
  return `exit ${run.code}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
}
