/**
 * Reaching a remote Podman over SSH: the system's OpenSSH client forwards the remote
 * service's unix socket to a local one in a private temp directory, and HTTP goes over that
 * local socket as it would to a local service. A URL without the socket's path asks the
 * remote host for it first, as `podman system connection add` does.
 *
 * @module
 */

import { ConnectionError, type ConnectionErrorReason } from "../errors.ts";
import { startDaemon } from "./_daemon.ts";
import { errorMessage } from "./_error_message.ts";
import type { LoggedProcess } from "./_logged_process.ts";
import { pingSocket } from "./_ping.ts";
import { isPermissionError } from "../transport/_connection_failure.ts";
import { askRemoteSocket } from "./_remote_socket.ts";
import { sshDiagnostics, sshFailureReason, sshLoginArgs, sshTargetArgs } from "./_ssh_args.ts";
import type { SshDestination } from "./ssh_url.ts";
import { files } from "../runtime/runtime.ts";

export interface SshTunnelOptions {
  /** Private key to log in with (ssh's `-i`); only this key is offered when set. */
  identity?: string | undefined;
  /**
   * Check the host key against the known hosts, refusing unknown and changed keys. `false`
   * accepts any key and records none: only for throwaway hosts on a trusted network.
   * @default {true}
   */
  hostKeyChecking?: boolean | undefined;
  /** A known_hosts file to check the host key against, instead of the user's own. */
  knownHostsFile?: string | undefined;
  /**
   * The OpenSSH client program.
   * @default {"ssh"}
   */
  sshPath?: string | undefined;
  /**
   * How long, in milliseconds, to wait for the tunnel to answer `/_ping`; without a socket
   * path, also how long the remote `podman info` may take, before that.
   * @default {20000}
   */
  timeout?: number | undefined;
  /**
   * Names the failed action in error messages.
   * @default {"Cannot open an SSH tunnel"}
   */
  action?: string | undefined;
  /**
   * Stop ssh on SIGINT and SIGTERM (it is stopped at a normal exit either way).
   * @default {true}
   */
  handleSignals?: boolean | undefined;
  /** Aborts the opening; a half-open tunnel is torn down. */
  signal?: AbortSignal | undefined;
}

/** An open tunnel; see {@linkcode openSshTunnel}. */
export interface SshTunnel {
  /** The local socket that leads to the remote Podman socket. */
  readonly localSocketPath: string;
  /** The remote Podman socket: the URL's path, or the one the remote host reported. */
  readonly remoteSocketPath: string;
  /** Process id of ssh. */
  readonly pid: number;
  /** Whether ssh has exited. */
  exited(): boolean;
  /** Stops ssh and removes the local socket's directory. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Starts `ssh -N -L LOCAL.sock:REMOTE.sock` to a remote Podman socket and waits until
 * Podman answers `/_ping` through it. Without a socket path in the destination, it first
 * runs `podman info --format json` on the remote host over ssh (with the same key and
 * host-key checking) and uses the socket it reports (`host.remoteSocket.path`).
 *
 * @param destination Where to connect, from `parseSshUrl()` (ssh_url.ts).
 * @param options Key, host-key checking and timing.
 * @returns The open tunnel.
 * @throws {ConnectionError} (as a rejection) When ssh is missing or fails (the message
 * names the `ssh://` URL and carries ssh's error output; `reason` is `"refused"` when ssh
 * says the connection was refused, else `"unreachable"`), the remote host cannot say where
 * its socket is, or the remote socket does not answer.
 *
 * @example
 * ```ts check-only
 * import { openSshTunnel } from "./ssh_tunnel.ts";
 * import { parseSshUrl } from "./ssh_url.ts";
 *
 * const tunnel = await openSshTunnel(
 *   parseSshUrl("ssh://core@10.0.0.5/run/podman/podman.sock"),
 *   { identity: `${Deno.env.get("HOME")}/.ssh/id_ed25519` },
 * );
 * console.log(tunnel.localSocketPath);
 * await tunnel.close();
 * ```
 */
export async function openSshTunnel(
  destination: SshDestination,
  options: SshTunnelOptions = {},
): Promise<SshTunnel> {
  const action = options.action ?? "Cannot open an SSH tunnel";
  const where = `cannot reach Podman at ${destination.url}`;
  const fail = (
    why: string,
    cause?: unknown,
    reason: ConnectionErrorReason = "unreachable",
  ): ConnectionError =>
    new ConnectionError(
      `${action}: ${where}: ${why}`,
      cause === undefined ? { reason } : { reason, cause },
    );

  if (options.identity !== undefined) {
    try {
      await files.stat(options.identity);
    } catch (error) {
      throw fail(`cannot read the identity ${options.identity}: ${errorMessage(error)}`, error);
    }
  }
  const timeoutMs = options.timeout ?? 20_000;
  const sshPath = options.sshPath ?? "ssh";
  const missingProgram = `no \`${sshPath}\` executable found (install the OpenSSH client)`;
  const handleSignals = options.handleSignals ?? true;
  const reported = destination.socketPath === undefined;
  const remoteSocketPath = destination.socketPath ?? await askRemoteSocket({
    sshPath,
    args: ["-T", ...sshLoginArgs(options), ...sshTargetArgs(destination)],
    timeoutMs,
    handleSignals,
    fail,
    missingProgram,
    signal: options.signal,
  });
  const remoteSocket = reported
    ? `${remoteSocketPath} (which the remote \`podman info\` reports)`
    : remoteSocketPath;
  const daemon = await startDaemon({
    dirPrefix: "podrx-ssh-",
    dirFailure: "cannot create a directory for the tunnel",
    command: (dir) => ({
      program: sshPath,
      args: tunnelArgs(destination, localSocketIn(dir), remoteSocketPath, options),
      logPath: `${dir}/ssh.log`,
    }),
    missingProgram,
    fail,
    async isReady(dir, ssh) {
      const localSocketPath = localSocketIn(dir);
      try {
        if (!(await exists(localSocketPath))) return false;
        if (await pingSocket(localSocketPath, { timeoutMs: 5_000, signal: options.signal })) {
          return true;
        }
      } catch (error) {
        // A missing Deno permission (for the tunnel's socket) does not go away by waiting.
        if (isPermissionError(error)) throw fail(errorMessage(error), error);
        throw error;
      }
      // ssh accepted the local connection but could not open the remote socket. sshd does
      // not say why (no such file, or refused), so this is "unreachable" either way.
      const output = await sshOutput(ssh);
      if (/open failed|connect failed/.test(output)) {
        throw fail(
          `the remote socket ${remoteSocket} cannot be opened (is the Podman service ` +
            `running there, and may this user open it?): ${output}`,
        );
      }
      return false;
    },
    async notReady(outcome, ssh) {
      const output = await sshOutput(ssh);
      return outcome === "exited"
        ? fail(
          `ssh exited with code ${(await ssh.status).code}: ${output}`,
          undefined,
          sshFailureReason(output),
        )
        : fail(`no answer to /_ping within ${timeoutMs / 1000} s: ${output}`);
    },
    startTimeoutMs: timeoutMs,
    stopGraceMs: 2_000,
    stopSyncGraceMs: 1_000,
    handleSignals,
    signal: options.signal,
  });
  return {
    localSocketPath: localSocketIn(daemon.dir),
    remoteSocketPath,
    pid: daemon.process.pid,
    exited: () => daemon.process.exited(),
    close: daemon.stop,
  };
}

function localSocketIn(dir: string): string {
  return `${dir}/podman.sock`;
}

function tunnelArgs(
  destination: SshDestination,
  localSocketPath: string,
  remoteSocketPath: string,
  options: SshTunnelOptions,
): string[] {
  return [
    "-N",
    "-T",
    ...sshLoginArgs(options),
    "-o",
    "ExitOnForwardFailure=yes",
    "-o",
    "ServerAliveInterval=15",
    "-o",
    "ServerAliveCountMax=3",
    // INFO, ssh's default, is the level that reports a remote socket that cannot be opened.
    "-o",
    "LogLevel=INFO",
    "-L",
    `${localSocketPath}:${remoteSocketPath}`,
    ...sshTargetArgs(destination),
  ];
}

async function sshOutput(ssh: LoggedProcess): Promise<string> {
  return sshDiagnostics(await ssh.tail(20));
}

async function exists(path: string): Promise<boolean> {
  try {
    await files.lstat(path);
    return true;
  } catch (error) {
    if (isPermissionError(error)) throw error;
    return false;
  }
}
