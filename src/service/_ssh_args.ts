/**
 * The ssh command line shared by everything podrx runs over SSH (the tunnel, and the
 * question to the remote host about its socket), and ssh's diagnostics read back for error
 * messages. One place, so that both log in the same way: same key, same host-key checking,
 * nobody asked for a password.
 *
 * @module
 */

import type { ConnectionErrorReason } from "../errors.ts";

/** Where to log in: the parts of an `ssh://` URL that ssh itself takes. */
export interface SshTarget {
  /** The remote user; ssh's own default when unset. */
  user: string | undefined;
  /** Host name or address. */
  host: string;
  /** The SSH port; ssh's own default when unset. */
  port: number | undefined;
}

/** How to log in; see `SshTunnelOptions` for each field. */
export interface SshLoginOptions {
  identity?: string | undefined;
  hostKeyChecking?: boolean | undefined;
  knownHostsFile?: string | undefined;
  /** Bounds ssh's own connect (`ConnectTimeout`), in milliseconds. */
  timeout?: number | undefined;
}

/**
 * The options that log in without prompting, with the caller's key and host-key checking.
 *
 * @param options Key, host-key checking and connect timeout.
 * @returns Arguments to put before the target.
 */
export function sshLoginArgs(options: SshLoginOptions): string[] {
  const timeoutSeconds = Math.max(1, Math.ceil((options.timeout ?? 20_000) / 1000));
  const args = [
    // Fail instead of asking for a password or a passphrase: there is nobody to answer.
    "-o",
    "BatchMode=yes",
    "-o",
    `ConnectTimeout=${timeoutSeconds}`,
    // A shared master connection would carry our session and leave no process of ours to stop.
    "-o",
    "ControlMaster=no",
    "-o",
    "ControlPath=none",
  ];
  if (options.hostKeyChecking ?? true) {
    args.push("-o", "StrictHostKeyChecking=yes");
    if (options.knownHostsFile !== undefined) {
      args.push("-o", `UserKnownHostsFile=${sshQuote(options.knownHostsFile)}`);
    }
  } else {
    args.push("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null");
  }
  if (options.identity !== undefined) {
    args.push("-i", options.identity, "-o", "IdentitiesOnly=yes");
  }
  return args;
}

/**
 * The target: port, user, then the host after `--`, so that a host can never be read as an
 * option. A remote command may follow.
 *
 * @param target Where to log in.
 * @returns The last arguments before any remote command.
 */
export function sshTargetArgs(target: SshTarget): string[] {
  const args: string[] = [];
  if (target.port !== undefined) args.push("-p", String(target.port));
  if (target.user !== undefined) args.push("-l", target.user);
  args.push("--", target.host);
  return args;
}

/** ssh reads `-o` values like config lines, so a path with spaces needs quotes. */
function sshQuote(value: string): string {
  return /\s/.test(value) ? `"${value}"` : value;
}

/**
 * What ssh printed, for a message: carriage returns, repeated lines and the host-key notice
 * that only appears with checking off (noise next to the error) removed.
 *
 * @param output ssh's stderr, or the tail of its log.
 * @returns The lines that matter, or `(ssh printed nothing)`.
 */
export function sshDiagnostics(output: string): string {
  const lines = output
    .replaceAll("\r", "")
    .split("\n")
    .filter((line) =>
      line.trim() !== "" && !line.startsWith("Warning: Permanently added") &&
      line !== "(log is empty)"
    );
  // A line printed again (ssh reports each failed channel, and a ping may open two) says
  // nothing new.
  const distinct = [...new Set(lines)];
  return distinct.length === 0 ? "(ssh printed nothing)" : distinct.join("\n").trim();
}

/**
 * Which {@linkcode ConnectionErrorReason} ssh's diagnostics show: `"refused"` when something
 * was there but did not accept the connection (the SSH port, or the remote socket), else
 * `"unreachable"` (no such host, a host key or login refused, no socket at the path).
 *
 * @param diagnostics From {@linkcode sshDiagnostics}.
 * @returns The reason.
 */
export function sshFailureReason(diagnostics: string): ConnectionErrorReason {
  return /Connection refused/.test(diagnostics) ? "refused" : "unreachable";
}
