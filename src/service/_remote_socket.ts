/**
 * Asking a remote host over SSH where its Podman socket is, as `podman system connection
 * add` does for an `ssh://` destination without a path: it runs `podman info --format json`
 * there and takes `host.remoteSocket.path`, which is either a bare path (Podman's default
 * socket for that user) or a `unix://` URL (the socket of the service it was told to use).
 *
 * @module
 */

import type { ConnectionErrorReason } from "../errors.ts";
import { guardProcess } from "./_exit_guard.ts";
import { sshDiagnostics, sshFailureReason } from "./_ssh_args.ts";
import { isNotFound } from "../runtime/file_errors.ts";
import type { ChildProcess, CommandOutput } from "../runtime/processes.ts";
import { processes } from "../runtime/runtime.ts";

/** The command Podman's own `podman system connection add` runs on the remote host. */
export const REMOTE_INFO_COMMAND: readonly string[] = ["podman", "info", "--format", "json"];

/** How {@linkcode askRemoteSocket} runs ssh and words its failures. */
export interface RemoteSocketQuestion {
  /** The OpenSSH client program. */
  sshPath: string;
  /** Every ssh argument up to and including the host; the remote command is appended. */
  args: readonly string[];
  /** How long the whole question may take, in milliseconds. */
  timeoutMs: number;
  /** Also stop ssh on SIGINT and SIGTERM; see `guardProcess`. */
  handleSignals: boolean;
  /** Makes the error for a failure, from its reason. */
  fail(why: string, cause?: unknown, reason?: ConnectionErrorReason): Error;
  /** The reason given when the ssh program does not exist. */
  missingProgram: string;
  /** Stops ssh; the promise then rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs `podman info --format json` on the remote host and reads the socket path it reports.
 *
 * @param question How to run ssh and word failures.
 * @returns The socket's absolute path on the remote host, without `unix://`.
 * @throws {Error} (as a rejection) The question's `fail` errors: ssh failed, the remote has no
 * `podman`, `podman info` failed or reports no unix socket; or the signal's reason.
 */
export async function askRemoteSocket(question: RemoteSocketQuestion): Promise<string> {
  question.signal?.throwIfAborted();
  const stop = new AbortController();
  let child: ChildProcess;
  try {
    child = await processes.spawn(question.sshPath, {
      args: [...question.args, ...REMOTE_INFO_COMMAND],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: stop.signal,
    });
  } catch (error) {
    if (isNotFound(error)) throw question.fail(question.missingProgram, error);
    throw question.fail(`cannot start ssh: ${(error as Error).message}`, error);
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, question.timeoutMs);
  const onAbort = (): void => stop.abort();
  question.signal?.addEventListener("abort", onAbort, { once: true });
  // Short-lived, but a script that ends meanwhile must not leave it behind.
  const release = guardProcess({
    stop: async () => {
      stop.abort();
      await child.status;
    },
    stopSync: () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    },
  }, { handleSignals: question.handleSignals });
  let output: CommandOutput;
  try {
    output = await child.output();
  } finally {
    clearTimeout(timer);
    question.signal?.removeEventListener("abort", onAbort);
    release();
  }
  question.signal?.throwIfAborted();
  const stderr = new TextDecoder().decode(output.stderr);
  const diagnostics = sshDiagnostics(stderr);
  if (timedOut) {
    throw question.fail(
      `no answer to \`${REMOTE_INFO_COMMAND.join(" ")}\` within ${question.timeoutMs / 1000} s: ` +
        diagnostics,
    );
  }
  // 255 is ssh's own failure; any other code is the remote command's.
  if (output.code === 255) {
    throw question.fail(
      `ssh exited with code 255: ${diagnostics}`,
      undefined,
      sshFailureReason(diagnostics),
    );
  }
  const said = lastLine(diagnostics);
  if (output.code === 127) {
    throw question.fail(
      `cannot ask the remote host for its Podman socket: it has no \`podman\` command (${said})`,
    );
  }
  if (output.code !== 0) {
    throw question.fail(
      `cannot ask the remote host for its Podman socket: \`${REMOTE_INFO_COMMAND.join(" ")}\` ` +
        `exited with code ${output.code}: ${said}`,
    );
  }
  const reported = reportedSocket(new TextDecoder().decode(output.stdout));
  if (typeof reported !== "string") throw question.fail(reported.problem);
  return reported;
}

/**
 * The socket path in `podman info`'s JSON, read the way Podman reads it: field names match
 * whatever their case (Go's JSON decoding), and a `unix://` prefix is dropped.
 *
 * @param json What `podman info --format json` printed.
 * @returns The absolute path, or why there is none.
 */
export function reportedSocket(json: string): string | { problem: string } {
  let info: unknown;
  try {
    info = JSON.parse(json);
  } catch {
    const shown = json.trim().slice(0, 200) || "nothing";
    return { problem: `the remote \`podman info\` printed no JSON: ${shown}` };
  }
  const path = field(field(field(info, "host"), "remoteSocket"), "path");
  if (typeof path !== "string" || path === "") {
    return { problem: "the remote `podman info` reports no socket (host.remoteSocket.path)" };
  }
  const socketPath = path.replace(/^unix:\/\//, "");
  if (!socketPath.startsWith("/")) {
    return {
      problem: `the remote \`podman info\` reports ${path}, which is not a unix socket an SSH ` +
        "tunnel can lead to; give the socket's path in the URL",
    };
  }
  if (socketPath.includes(":")) {
    // ssh's -L takes LOCAL:REMOTE, with no way to escape a colon.
    return {
      problem: `the socket path ${socketPath} the remote \`podman info\` reports contains ":"`,
    };
  }
  return socketPath;
}

function field(value: unknown, name: string): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  const wanted = name.toLowerCase();
  const key = Object.keys(value).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : (value as Record<string, unknown>)[key];
}

function lastLine(text: string): string {
  return text.split("\n").at(-1)!.trim();
}
