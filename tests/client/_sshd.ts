/**
 * A throwaway OpenSSH server on a loopback port for the SSH tests: its own host key, its
 * own `authorized_keys` with a key made for the run, and login by key only, as the user the
 * tests run as (root, or in CI's rootless leg that user: an sshd that is not root can log in
 * no one else). Everything lives in a temp directory that `stop()` removes.
 *
 * @module
 */

import { type LoggedProcess, removeDir, spawnLogged } from "../bed/_process.ts";
import { podmanProgram } from "../bed/env.ts";

/** A running server started by {@linkcode startSshd}. */
export interface Sshd extends AsyncDisposable {
  /** The loopback port it listens on. */
  readonly port: number;
  /** The private key `authorized_keys` accepts (no passphrase). */
  readonly identity: string;
  /** A known_hosts file holding this server's host key. */
  readonly knownHosts: string;
  /** An empty known_hosts file, for the unknown-host case. */
  readonly emptyKnownHosts: string;
  /** `USER@127.0.0.1`, the login it accepts: the user the tests run as. */
  readonly login: string;
  /** `ssh://USER@127.0.0.1:PORT` + `path`. */
  url(path: string): string;
  /** Stops sshd and removes its directory. Safe to call more than once. */
  stop(): Promise<void>;
}

const SSHD = "/usr/sbin/sshd";
/** The user the tests run as, whom the server logs in. */
export const SSH_USER: string = Deno.env.get("USER") || (Deno.uid() === 0 ? "root" : "");
// sshd refuses to start without its privilege separation directory; Debian's ssh.service
// makes it at boot, which a container never runs.
const PRIVSEP_DIR = "/run/sshd";
const START_ATTEMPTS = 3;

/** Options for {@linkcode startSshd}. */
export interface SshdOptions {
  /** Environment for the sessions (sshd_config `SetEnv`), e.g. a private Podman storage. */
  sessionEnv?: Record<string, string>;
}

/**
 * Starts sshd with `-D -e` on a free port of 127.0.0.1.
 *
 * @param options Session environment.
 * @returns The running server, once it sends its SSH banner.
 * @throws {Error} When sshd is missing or does not come up; the message carries its log.
 */
export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-sshd-" });
  let daemon: LoggedProcess | undefined;
  try {
    if (SSH_USER === "") throw new Error("the SSH tests need USER set to the user they run as");
    // Only root runs sshd with privilege separation.
    if (Deno.uid() === 0) await Deno.mkdir(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
    await run("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      "podrx-host",
      "-f",
      `${dir}/host_key`,
    ]);
    await run("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      "podrx-test",
      "-f",
      `${dir}/client_key`,
    ]);
    await Deno.copyFile(`${dir}/client_key.pub`, `${dir}/authorized_keys`);
    const hostKey = (await Deno.readTextFile(`${dir}/host_key.pub`)).trim();
    await Deno.writeTextFile(`${dir}/empty_known_hosts`, "");

    for (let attempt = 1;; attempt++) {
      const port = freePort();
      await Deno.writeTextFile(
        `${dir}/sshd_config`,
        sshdConfig(dir, port, options.sessionEnv ?? {}),
      );
      daemon = await spawnLogged(SSHD, ["-D", "-e", "-f", `${dir}/sshd_config`], {
        logPath: `${dir}/sshd.log`,
      });
      if (await answers(port, daemon)) {
        // ssh writes a non-default port as [host]:port in known_hosts.
        await Deno.writeTextFile(`${dir}/known_hosts`, `[127.0.0.1]:${port} ${hostKey}\n`);
        return running(dir, port, daemon);
      }
      const log = await daemon.tail();
      await daemon.stop();
      daemon = undefined;
      if (attempt >= START_ATTEMPTS || !log.includes("Address already in use")) {
        throw new Error(`Cannot start sshd on 127.0.0.1:${port}:\n${log}`);
      }
    }
  } catch (error) {
    await daemon?.stop();
    await removeDir(dir);
    throw error;
  }
}

function running(dir: string, port: number, daemon: LoggedProcess): Sshd {
  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= daemon.stop().then(() => removeDir(dir));
    return stopping;
  }
  return {
    port,
    identity: `${dir}/client_key`,
    knownHosts: `${dir}/known_hosts`,
    emptyKnownHosts: `${dir}/empty_known_hosts`,
    login: `${SSH_USER}@127.0.0.1`,
    url: (path) => `ssh://${SSH_USER}@127.0.0.1:${port}${path}`,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function sshdConfig(dir: string, port: number, sessionEnv: Record<string, string>): string {
  const setEnv = Object.entries(sessionEnv).map(([name, value]) =>
    `${name}=${JSON.stringify(value)}`
  );
  return [
    "ListenAddress 127.0.0.1",
    `Port ${port}`,
    `HostKey ${dir}/host_key`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    `PidFile ${dir}/sshd.pid`,
    // The temp directory is not laid out like a home directory; StrictModes would refuse it.
    "StrictModes no",
    "UsePAM no",
    "PermitRootLogin prohibit-password",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "AllowStreamLocalForwarding yes",
    // `podman image scp` copies the archive over SFTP.
    "Subsystem sftp internal-sftp",
    // One line for all: sshd uses only the first SetEnv line it reads.
    ...(setEnv.length === 0 ? [] : [`SetEnv ${setEnv.join(" ")}`]),
    "",
  ].join("\n");
}

/**
 * A session `PATH` under which `podman` is the bed's Podman (a chroot's launcher when the bed
 * runs one, with the variable that names that chroot), so that a command run over SSH uses
 * the same Podman as the service: storage one version wrote, another may refuse.
 *
 * @returns The variables for {@linkcode SshdOptions.sessionEnv}.
 */
export function bedPodmanPath(): Record<string, string> {
  const program = podmanProgram();
  const system = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  if (!program.includes("/")) return { PATH: system };
  if (!program.endsWith("/podman")) {
    throw new Error(`the bed's Podman ${program} is not named podman; no PATH can select it`);
  }
  const chroot = Deno.env.get("PODRX_PODMAN_CHROOT");
  return {
    PATH: `${program.slice(0, -"/podman".length)}:${system}`,
    ...(chroot === undefined ? {} : { PODRX_PODMAN_CHROOT: chroot }),
  };
}

/**
 * The ssh client processes (not sshd's) whose arguments name this port, from /proc: what a
 * tunnel to this server leaves running.
 *
 * @param port The server's port.
 * @returns Their process ids.
 */
export function sshClientsFor(port: number): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let argv: string[];
    try {
      argv = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).split("\0");
    } catch {
      continue; // Gone while we looked.
    }
    const program = argv[0]?.split("/").pop();
    const portIndex = argv.indexOf("-p");
    if (program === "ssh" && portIndex !== -1 && argv[portIndex + 1] === String(port)) {
      pids.push(Number(entry.name));
    }
  }
  return pids;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function answers(port: number, daemon: LoggedProcess): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !daemon.exited()) {
    try {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        const buffer = new Uint8Array(64);
        const read = await connection.read(buffer);
        if (read && new TextDecoder().decode(buffer.subarray(0, read)).startsWith("SSH-2.0")) {
          return true;
        }
      } finally {
        connection.close();
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function run(command: string, args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(command, { args, stdin: "null" }).output();
  if (code !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
  }
}

/** An ssh-agent holding one key; see {@linkcode startSshAgent}. */
export interface SshAgent extends AsyncDisposable {
  /** The agent's socket, for `SSH_AUTH_SOCK`. */
  readonly socket: string;
  /** Stops the agent and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts `ssh-agent -D` on a socket in a temp directory and adds `identity` to it.
 *
 * @param identity The private key to hold.
 * @returns The running agent.
 */
export async function startSshAgent(identity: string): Promise<SshAgent> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-agent-" });
  const socket = `${dir}/agent.sock`;
  let agent: LoggedProcess | undefined;
  try {
    agent = await spawnLogged("ssh-agent", ["-D", "-a", socket], { logPath: `${dir}/agent.log` });
    const deadline = Date.now() + 5_000;
    while (!(await Deno.lstat(socket).then(() => true, () => false))) {
      if (Date.now() > deadline || agent.exited()) {
        throw new Error(`ssh-agent did not start:\n${await agent.tail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const add = await new Deno.Command("ssh-add", {
      args: ["-q", identity],
      env: { SSH_AUTH_SOCK: socket },
      stdin: "null",
    }).output();
    if (add.code !== 0) throw new Error(`ssh-add failed: ${new TextDecoder().decode(add.stderr)}`);
  } catch (error) {
    await agent?.stop();
    await removeDir(dir);
    throw error;
  }
  const running = agent;
  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= running.stop().then(() => removeDir(dir));
    return stopping;
  }
  return { socket, stop, [Symbol.asyncDispose]: stop };
}
