/**
 * A throwaway image registry (Debian's `docker-registry`, distribution v2) on a loopback
 * port, optionally behind basic authentication or token authentication.
 *
 * @module
 */

import { type LoggedProcess, removeDir, spawnLogged, waitUntilReady } from "./_process.ts";

/** Options for {@linkcode startRegistry}. */
export interface RegistryOptions {
  /** Require these credentials (HTTP basic auth via htpasswd). Without it the registry is open. */
  auth?: { username: string; password: string };
  /**
   * Require bearer tokens from this token service (distribution's `auth: token`); see
   * `tests/bed/token_server.ts`. Not together with `auth`.
   */
  token?: RegistryTokenAuth;
  /**
   * How long to wait for `/v2/` to answer.
   * @default {20000}
   */
  startTimeoutMs?: number;
  /** Aborts the start; the half-started registry is cleaned up. */
  signal?: AbortSignal;
}

/** Where a token-auth registry sends clients for tokens, and whose tokens it trusts. */
export interface RegistryTokenAuth {
  /** The token service's URL, named in the registry's `WWW-Authenticate: Bearer` challenge. */
  realm: string;
  /** The registry's name for itself: the audience its tokens must have. */
  service: string;
  /** The issuer its tokens must have. */
  issuer: string;
  /** Path of the PEM certificate(s) whose keys may sign its tokens. */
  rootCertBundle: string;
}

/** A running registry started by {@linkcode startRegistry}. */
export interface Registry extends AsyncDisposable {
  /** `127.0.0.1:PORT`, as used in image references. */
  readonly address: string;
  /** The user name, when the registry requires authentication. */
  readonly username?: string;
  /** The password, when the registry requires authentication. */
  readonly password?: string;
  /** Stops the registry and removes its storage. Safe to call more than once. */
  stop(): Promise<void>;
}

// Picking a free port and binding it later is racy; a lost race shows up as this message
// and is worth another port rather than a failed run.
const PORT_TAKEN = "address already in use";
const START_ATTEMPTS = 3;

/**
 * Starts a registry with filesystem storage in a fresh temp directory and deletes enabled.
 *
 * @param options Authentication and timing.
 * @returns The running registry, once `GET /v2/` answers (200 open, 401 with auth).
 * @throws {Error} When the registry does not come up; the message ends with its log.
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  if (options.auth && options.token) {
    throw new TypeError("Cannot start the registry: give auth or token, not both");
  }
  const dir = await Deno.makeTempDir({ prefix: "podrx-registry-" });
  let daemon: LoggedProcess | undefined;
  let address = "";
  try {
    let htpasswdPath: string | undefined;
    if (options.auth) {
      htpasswdPath = `${dir}/htpasswd`;
      await Deno.writeTextFile(htpasswdPath, await htpasswdLine(options.auth));
    }
    const configPath = `${dir}/config.yml`;
    const logPath = `${dir}/registry.log`;
    const expectedStatus = options.auth || options.token ? 401 : 200;
    for (let attempt = 1;; attempt++) {
      address = `127.0.0.1:${freeLoopbackPort()}`;
      await Deno.writeTextFile(
        configPath,
        registryConfig(dir, address, htpasswdPath, options.token),
      );
      daemon = await spawnLogged("docker-registry", ["serve", configPath], {
        logPath,
        env: registryEnv(),
        clearEnv: true,
      });
      const readiness = await waitUntilReady(
        daemon,
        () => answers(`http://${address}/v2/`, expectedStatus),
        { timeoutMs: options.startTimeoutMs ?? 20_000, signal: options.signal },
      );
      if (readiness === "ready") break;
      const log = await daemon.tail();
      await daemon.stop();
      if (readiness === "exited" && log.includes(PORT_TAKEN) && attempt < START_ATTEMPTS) {
        continue;
      }
      const why = readiness === "exited"
        ? `it exited with code ${(await daemon.status).code}`
        : `GET /v2/ did not answer ${expectedStatus} within ${
          (options.startTimeoutMs ?? 20_000) / 1000
        } s`;
      throw new Error(
        `Cannot start the registry on ${address}: ${why}\n--- registry log ---\n${log}`,
      );
    }
  } catch (error) {
    await daemon?.stop();
    await removeDir(dir);
    throw error;
  }

  const running = daemon;
  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= (async () => {
      await running.stop();
      await removeDir(dir);
    })();
    return stopping;
  }

  return {
    address,
    ...(options.auth ? { username: options.auth.username, password: options.auth.password } : {}),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function freeLoopbackPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function registryConfig(
  dir: string,
  address: string,
  htpasswdPath: string | undefined,
  token: RegistryTokenAuth | undefined,
): string {
  // JSON strings are valid YAML scalars, which spares us quoting rules for paths.
  const lines = [
    "version: 0.1",
    "log:",
    "  level: info",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(`${dir}/data`)}`,
    // `delete` belongs under `storage`; at the top level distribution ignores it silently
    // and DELETE requests then fail with 405 UNSUPPORTED.
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: ${JSON.stringify(address)}`,
    // Without a secret the registry logs a warning on every start.
    `  secret: ${JSON.stringify(crypto.randomUUID())}`,
  ];
  if (htpasswdPath !== undefined) {
    lines.push(
      "auth:",
      "  htpasswd:",
      '    realm: "podrx-test"',
      `    path: ${JSON.stringify(htpasswdPath)}`,
    );
  }
  if (token !== undefined) {
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${JSON.stringify(token.realm)}`,
      `    service: ${JSON.stringify(token.service)}`,
      `    issuer: ${JSON.stringify(token.issuer)}`,
      `    rootcertbundle: ${JSON.stringify(token.rootCertBundle)}`,
    );
  }
  return lines.join("\n") + "\n";
}

function registryEnv(): Record<string, string> {
  // REGISTRY_* variables override the config file (REGISTRY_HTTP_ADDR and friends); one
  // left in the environment must not move the registry elsewhere.
  return Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) => !name.startsWith("REGISTRY_")),
  );
}

async function htpasswdLine(auth: { username: string; password: string }): Promise<string> {
  // -B: distribution accepts only bcrypt. -i: the password comes on stdin, not in argv.
  const child = new Deno.Command("htpasswd", {
    args: ["-niB", auth.username],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(auth.password));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  if (output.code !== 0) {
    throw new Error(`Cannot create the htpasswd file: ${decoder.decode(output.stderr)}`);
  }
  return decoder.decode(output.stdout).trim() + "\n";
}

async function answers(url: string, expectedStatus: number): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === expectedStatus;
  } catch {
    // Connection refused until the registry listens.
    return false;
  }
}
