// A sandbox for the credential tests: a temp HOME holding the auth file locations, a bin
// directory first on PATH for real helper scripts, and a runner that calls the resolver in its
// own Deno with a controlled environment and permission flags, so that env and permission
// behaviour is Deno's own. Every run's whole output is checked for the secrets the sandbox
// wrote: the runner prints passwords and tokens only as fingerprints.
import assert from "node:assert/strict";

const RESOLVER = new URL("../../src/credentials/credential_resolver.ts", import.meta.url).href;
const AUTH_FILES = new URL("../../src/credentials/auth_files.ts", import.meta.url).href;
const CONFIG = decodeURIComponent(new URL("../../deno.json", import.meta.url).pathname);

/** What a helper answers for one server URL: credentials, or the helpers' "not found". */
export type HelperAnswer = { Username: string; Secret: string } | "not found";

/** How a broken helper behaves. */
export type BrokenHelper = "fails" | "bad json" | "hangs";

/** Environment and flags of one run; an `undefined` value unsets the sandbox's default. */
export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Replaces the default flags (read on the sandbox, all env, run for its helpers). */
  flags?: string[];
}

/** What a run printed, parsed. */
export interface RunResult {
  ok: boolean;
  /** The resolved value, passwords and tokens as {@linkcode fingerprint}s. */
  value: unknown;
  error: { name: string; message: string; podman: boolean } | undefined;
  /** `Deno.inspect` of the value or error. */
  inspect: string;
  stdout: string;
  stderr: string;
}

/** The form a secret takes in a run's output: `#` and the start of its SHA-256. */
export async function fingerprint(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return "#" + [...new Uint8Array(digest).slice(0, 8)]
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** A temp home for one test; see the file's comment. */
export class Sandbox {
  readonly dir: string;
  readonly home: string;
  readonly runtimeDir: string;
  readonly configHome: string;
  readonly bin: string;
  readonly #log: string;
  readonly #secrets = new Set<string>();
  readonly #helpers: string[] = [];

  private constructor(dir: string) {
    this.dir = dir;
    this.home = `${dir}/home`;
    this.runtimeDir = `${dir}/run`;
    this.configHome = `${dir}/config`;
    this.bin = `${dir}/bin`;
    this.#log = `${dir}/helper-calls.log`;
  }

  /** Runs `body` in a fresh sandbox and removes it afterwards. */
  static async with(body: (sandbox: Sandbox) => Promise<void>): Promise<void> {
    const dir = await Deno.makeTempDir({ prefix: "podrx-credentials-" });
    const sandbox = new Sandbox(dir);
    try {
      for (const path of [sandbox.home, sandbox.runtimeDir, sandbox.configHome, sandbox.bin]) {
        await Deno.mkdir(path, { recursive: true });
      }
      await Deno.writeTextFile(sandbox.#log, "");
      await body(sandbox);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }

  /** The default files' paths, in Podman's order. */
  get files(): { runtime: string; config: string; docker: string; dockercfg: string } {
    return {
      runtime: `${this.runtimeDir}/containers/auth.json`,
      config: `${this.configHome}/containers/auth.json`,
      docker: `${this.home}/.docker/config.json`,
      dockercfg: `${this.home}/.dockercfg`,
    };
  }

  /** An `auths` entry for `user:password`; the password and the entry are secrets. */
  auth(username: string, password: string): { auth: string } {
    const auth = btoa(`${username}:${password}`);
    if (password !== "") this.#secrets.add(password);
    this.#secrets.add(auth);
    return { auth };
  }

  /** Marks a string that no run may print (a token, what a broken helper prints). */
  secret(text: string): string {
    this.#secrets.add(text);
    return text;
  }

  /** Writes a file (JSON for a non-string), making its directory. */
  async write(path: string, value: unknown): Promise<string> {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, typeof value === "string" ? value : JSON.stringify(value));
    return path;
  }

  /**
   * Writes `docker-credential-NAME` into the sandbox's bin: it logs `get URL` and answers by
   * the server URL it reads on stdin, "not found" (exit 1) for any other.
   */
  async helper(name: string, answers: Record<string, HelperAnswer>): Promise<void> {
    const cases = Object.entries(answers).map(([url, answer]) => {
      if (answer !== "not found") this.#secrets.add(answer.Secret);
      const body = answer === "not found"
        ? "echo 'credentials not found in native keychain'; exit 1"
        : `printf '%s\\n' '${JSON.stringify({ ServerURL: url, ...answer })}'`;
      return `  '${url}') ${body} ;;\n`;
    });
    await this.#writeHelper(
      name,
      `url=$(cat)\nprintf '%s %s\\n' "$1" "$url" >> '${this.#log}'\ncase "$url" in\n` +
        cases.join("") +
        "  *) echo 'credentials not found in native keychain'; exit 1 ;;\nesac\n",
    );
  }

  /** Writes a helper that fails, answers with no JSON, or never answers. */
  async brokenHelper(name: string, how: BrokenHelper): Promise<void> {
    const said = this.secret(`${name}-printed-this-secret`);
    const body = {
      "fails": `echo '${said}'\necho '${said} on stderr' >&2\nexit 3\n`,
      "bad json": `echo 'not json: ${said}'\n`,
      "hangs": "exec sleep 60\n",
    }[how];
    await this.#writeHelper(
      name,
      `cat > /dev/null\nprintf '%s\\n' "$1" >> '${this.#log}'\n${body}`,
    );
  }

  async #writeHelper(name: string, body: string): Promise<void> {
    const path = `${this.bin}/docker-credential-${name}`;
    await Deno.writeTextFile(path, `#!/bin/sh\n${body}`);
    await Deno.chmod(path, 0o755);
    this.#helpers.push(`docker-credential-${name}`);
  }

  /** The helper calls so far, `get URL` each. */
  async helperCalls(): Promise<string[]> {
    return (await Deno.readTextFile(this.#log)).split("\n").filter((line) => line !== "");
  }

  /** The flags a run gets unless it names its own. */
  defaultFlags(): string[] {
    const flags = [`--allow-read=${this.dir}`, "--allow-env"];
    if (this.#helpers.length > 0) flags.push(`--allow-run=${this.#helpers.join(",")}`);
    return flags;
  }

  /** The user names the targets resolve to (`null`: none), from one run. */
  async users(targets: readonly string[], options: RunOptions = {}): Promise<unknown[]> {
    const result = await this.run(
      `Promise.all(${JSON.stringify(targets)}.map((target) => resolveCredentials(target)))`,
      options,
    );
    assert.ok(result.ok, `the run failed: ${result.error?.message}`);
    return (result.value as ({ username?: string } | null)[]).map((auth) => auth && auth.username);
  }

  /**
   * Runs `call` (an expression over `resolveCredentials`, `resolveAllCredentials` and
   * `authFiles`) in its own Deno, and checks that its output holds no secret.
   */
  async run(call: string, options: RunOptions = {}): Promise<RunResult> {
    const script = `${this.dir}/script.ts`;
    await Deno.writeTextFile(script, runnerScript(call));
    const env: Record<string, string> = {
      HOME: this.home,
      XDG_RUNTIME_DIR: this.runtimeDir,
      XDG_CONFIG_HOME: this.configHome,
      PATH: `${this.bin}:/usr/local/bin:/usr/bin:/bin`,
      NO_COLOR: "1",
    };
    const denoDir = Deno.env.get("DENO_DIR");
    if (denoDir) env.DENO_DIR = denoDir;
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--config",
        CONFIG,
        "--no-prompt",
        ...(options.flags ?? this.defaultFlags()),
        script,
      ],
      env,
      clearEnv: true,
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    const stdout = decoder.decode(output.stdout);
    const stderr = decoder.decode(output.stderr);
    for (const secret of this.#secrets) {
      assert.ok(
        !stdout.includes(secret) && !stderr.includes(secret),
        `a secret (${await fingerprint(secret)}) was printed`,
      );
    }
    const line = stdout.split("\n").find((line) => line.startsWith("RESULT "));
    assert.ok(line, `the runner printed no result:\n${stdout}\n${stderr}`);
    return { ...JSON.parse(line.slice("RESULT ".length)), stdout, stderr };
  }
}

function runnerScript(call: string): string {
  return `import { resolveAllCredentials, resolveCredentials } from "${RESOLVER}";
import { authFiles } from "${AUTH_FILES}";
const SECRET_FIELDS = new Set(["password", "identityToken"]);
${fingerprint.toString()}
async function shown(value: unknown): Promise<unknown> {
  if (Array.isArray(value)) return await Promise.all(value.map(shown));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = SECRET_FIELDS.has(key) && typeof field === "string"
      ? await fingerprint(field)
      : await shown(field);
  }
  return out;
}
void authFiles;
let result;
try {
  const value = await (${call});
  console.log(value);
  result = { ok: true, value: (await shown(value)) ?? null, inspect: Deno.inspect(value) };
} catch (error) {
  console.error(error);
  const { name, message, isPodmanError } = error as Error & { isPodmanError?: boolean };
  result = {
    ok: false,
    error: { name, message, podman: isPodmanError === true },
    inspect: Deno.inspect(error),
  };
}
console.log("RESULT " + JSON.stringify(result));
`;
}
