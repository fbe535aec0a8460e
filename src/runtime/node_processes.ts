/**
 * The process seam on Node and Bun, over `node:child_process`.
 *
 * @module
 */
import type * as ChildProcesses from "node:child_process";
import type * as Os from "node:os";
import type * as Stream from "node:stream";
import { concatBytes } from "../bytes/concat_bytes.ts";
import { nodeBuiltin } from "./node_builtin.ts";
import type {
  ChildProcess,
  CommandOptions,
  CommandOutput,
  CommandStatus,
  Processes,
  Stdio,
} from "./processes.ts";

type NodeChild = ChildProcesses.ChildProcess;
type NodeStdio = "pipe" | "inherit" | "ignore";

const STDIO: Record<Stdio, NodeStdio> = { piped: "pipe", inherit: "inherit", null: "ignore" };

// Deno's defaults: a spawned child inherits all three streams; `output()` pipes its two
// output streams and gives it no input.
function stdio(options: CommandOptions, running: boolean): [NodeStdio, NodeStdio, NodeStdio] {
  const fallback: Stdio = running ? "inherit" : "piped";
  return [
    STDIO[options.stdin ?? (running ? "inherit" : "null")],
    STDIO[options.stdout ?? fallback],
    STDIO[options.stderr ?? fallback],
  ];
}

function environment(options: CommandOptions): Record<string, string | undefined> {
  const process = (globalThis as unknown as { process: { env: Record<string, string> } }).process;
  return options.clearEnv ? { ...options.env } : { ...process.env, ...options.env };
}

function status(code: number | null, signal: string | null): CommandStatus {
  const os = nodeBuiltin<typeof Os>("node:os");
  const number = signal === null
    ? code ?? 1
    : 128 + (os.constants.signals[signal as keyof typeof os.constants.signals] ?? 0);
  return { success: number === 0, code: number, signal };
}

function notPiped(name: string): never {
  throw new TypeError(`The child's ${name} is not piped`);
}

/** Processes on Node and Bun. */
export function nodeProcesses(): Processes {
  const childProcesses = nodeBuiltin<typeof ChildProcesses>("node:child_process");
  const spawn = (program: string, options: CommandOptions, running: boolean) => {
    options.signal?.throwIfAborted();
    return started(
      childProcesses.spawn(program, [...(options.args ?? [])], {
        env: environment(options),
        stdio: stdio(options, running),
      }),
      options.signal,
    );
  };
  return {
    spawn: (program, options) => spawn(program, options, true),
    output: async (program, options) => (await spawn(program, options, false)).output(),
    outputSync: (program, options) => {
      const result = childProcesses.spawnSync(program, [...(options.args ?? [])], {
        env: environment(options),
        stdio: stdio(options, false),
      });
      if (result.error) throw result.error;
      return {
        ...status(result.status, result.signal),
        stdout: new Uint8Array(result.stdout ?? []),
        stderr: new Uint8Array(result.stderr ?? []),
      };
    },
  };
}

// Node reports a program that cannot start (ENOENT, EACCES) in an event, after spawn returns.
// An abort kills the child with SIGTERM, as Deno does; Node's own `signal` option would also
// emit an "error" event that nobody listens to after the start.
function started(child: NodeChild, signal: AbortSignal | undefined): Promise<ChildProcess> {
  if (signal) {
    const kill = (): void => void child.kill("SIGTERM");
    signal.addEventListener("abort", kill, { once: true });
    child.once("close", () => signal.removeEventListener("abort", kill));
  }
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => {
      child.off("error", reject);
      // A later failure (a signal that cannot be sent) must not end the process.
      child.on("error", () => undefined);
      resolve(wrap(child));
    });
  });
}

function wrap(child: NodeChild): ChildProcess {
  const streams = nodeBuiltin<typeof Stream>("node:stream");
  // "exit" may come before the output streams have ended; "close" waits for both.
  const ended = new Promise<CommandStatus>((resolve) => {
    child.once("close", (code, signal) => resolve(status(code, signal)));
  });
  let stdout: ReadableStream<Uint8Array> | undefined;
  let stderr: ReadableStream<Uint8Array> | undefined;
  let stdin: WritableStream<Uint8Array> | undefined;
  const readable = (stream: Stream.Readable | null, name: string) =>
    stream
      ? streams.Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>
      : notPiped(name);
  return {
    pid: child.pid!,
    get stdin() {
      return stdin ??= child.stdin
        ? streams.Writable.toWeb(child.stdin) as WritableStream<Uint8Array>
        : notPiped("stdin");
    },
    get stdout() {
      return stdout ??= readable(child.stdout, "stdout");
    },
    get stderr() {
      return stderr ??= readable(child.stderr, "stderr");
    },
    status: ended,
    output: async () => {
      const [out, err] = await Promise.all([collect(child.stdout), collect(child.stderr)]);
      return { ...await ended, stdout: out, stderr: err } satisfies CommandOutput;
    },
    kill: (signal = "SIGTERM") => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new TypeError("The child has exited already");
      }
      child.kill(signal);
    },
    unref: () => {
      child.unref();
      // A pipe's handle keeps Node running too.
      for (const stream of [child.stdin, child.stdout, child.stderr]) {
        (stream as { unref?(): void } | null)?.unref?.();
      }
    },
    ref: () => {
      child.ref();
      for (const stream of [child.stdin, child.stdout, child.stderr]) {
        (stream as { ref?(): void } | null)?.ref?.();
      }
    },
  };
}

async function collect(stream: Stream.Readable | null): Promise<Uint8Array> {
  if (!stream) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk as Uint8Array);
  return concatBytes(chunks);
}
