/**
 * The contract between `tests/run.ts` and the tests: the runner starts Podman and three
 * registries (and the token service of one), then hands their addresses to `deno test` through these environment
 * variables. Tests read them with {@linkcode testBed}, which throws when they are missing
 * so that a run without the services fails instead of silently skipping.
 *
 * @module
 */

/** Names of the environment variables that carry the test bed, keyed by {@linkcode TestBed} field. */
export const TEST_BED_ENV: Readonly<Record<keyof TestBed, string>> = {
  socketPath: "PODRX_TEST_SOCKET",
  serviceLog: "PODRX_TEST_SERVICE_LOG",
  root: "PODRX_TEST_ROOT",
  runroot: "PODRX_TEST_RUNROOT",
  registriesConf: "PODRX_TEST_REGISTRIES_CONF",
  registry: "PODRX_TEST_REGISTRY",
  authRegistry: "PODRX_TEST_AUTH_REGISTRY",
  authUser: "PODRX_TEST_AUTH_USER",
  authPassword: "PODRX_TEST_AUTH_PASSWORD",
  tokenRegistry: "PODRX_TEST_TOKEN_REGISTRY",
  tokenUser: "PODRX_TEST_TOKEN_USER",
  tokenPassword: "PODRX_TEST_TOKEN_PASSWORD",
  tokenIdentityToken: "PODRX_TEST_TOKEN_IDENTITY_TOKEN",
  busyboxImage: "PODRX_TEST_BUSYBOX",
  labeledImage: "PODRX_TEST_LABELED",
};

/** What the running test bed offers. */
export interface TestBed {
  /** Path of the Podman service's unix socket; always use `http://libpod/...` URLs on it. */
  socketPath: string;
  /** The Podman service's log (info level: one line per request). */
  serviceLog: string;
  /** Podman's `--root` (image storage). */
  root: string;
  /** Podman's `--runroot`. */
  runroot: string;
  /** `registries.conf` that marks the three registries insecure (plain HTTP). */
  registriesConf: string;
  /** `host:port` of a registry without authentication. */
  registry: string;
  /** `host:port` of a registry with basic authentication. */
  authRegistry: string;
  /** User name for {@linkcode TestBed.authRegistry}. */
  authUser: string;
  /** Password for {@linkcode TestBed.authRegistry}, new for every run. */
  authPassword: string;
  /**
   * `host:port` of a registry with token authentication (distribution's `auth: token`): its
   * `WWW-Authenticate: Bearer` challenge names a token service on loopback (plain HTTP) that
   * takes basic credentials (`GET`) or the OAuth2 password and refresh-token grants (`POST`).
   */
  tokenRegistry: string;
  /** User name for {@linkcode TestBed.tokenRegistry}'s token service. */
  tokenUser: string;
  /** Password for {@linkcode TestBed.tokenRegistry}'s token service, new for every run. */
  tokenPassword: string;
  /**
   * An identity (refresh) token the token service takes instead of the password, new for every
   * run; its password grant hands it out for `access_type=offline`.
   */
  tokenIdentityToken: string;
  /** A tiny busybox image with `/bin/sh`, `echo`, `sleep`, `cat` and `ls`; `RUN` works on it. */
  busyboxImage: string;
  /** An empty image with the label `podrx.test=seed`. */
  labeledImage: string;
}

/** Where Podman keeps its state, enough to run the CLI against a service's storage. */
export interface PodmanStorage {
  /** Podman's `--root`. */
  root: string;
  /** Podman's `--runroot`. */
  runroot: string;
  /** Path for `CONTAINERS_REGISTRIES_CONF`. */
  registriesConf: string;
}

/** Outcome of a Podman CLI call. */
export interface PodmanResult {
  /** Exit code. */
  code: number;
  /** Standard output, decoded. */
  stdout: string;
  /** Standard error, decoded. */
  stderr: string;
}

/**
 * Reads the test bed from the environment.
 *
 * @returns The test bed started by `tests/run.ts`.
 * @throws {Error} When any variable is missing, i.e. the tests were not started by the runner.
 */
export function testBed(): TestBed {
  const missing: string[] = [];
  const bed: Partial<Record<keyof TestBed, string>> = {};
  for (const [key, name] of Object.entries(TEST_BED_ENV) as [keyof TestBed, string][]) {
    const value = Deno.env.get(name);
    if (value === undefined || value === "") missing.push(name);
    else bed[key] = value;
  }
  if (missing.length > 0) {
    throw new Error(
      `test bed not running: start tests with \`deno task test\` (missing ${missing.join(", ")})`,
    );
  }
  return bed as TestBed;
}

/**
 * Turns a test bed into the environment variables that {@linkcode testBed} reads.
 *
 * @param bed The running test bed.
 * @returns Variables to pass to `deno test`.
 */
export function testBedEnv(bed: TestBed): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, name] of Object.entries(TEST_BED_ENV) as [keyof TestBed, string][]) {
    env[name] = bed[key];
  }
  return env;
}

/**
 * Environment for every Podman process of the bed, the service and the CLI alike.
 *
 * @param registriesConf Path of the bed's `registries.conf`.
 * @returns Variables added to the inherited environment.
 */
export function podmanEnv(registriesConf: string): Record<string, string> {
  return {
    // Builds run `RUN` steps with chroot: no OCI runtime, so it works without the cgroup
    // and rlimit rights that crun lacks in a container.
    BUILDAH_ISOLATION: "chroot",
    CONTAINERS_REGISTRIES_CONF: registriesConf,
  };
}

/**
 * Names the variable that holds the Podman program the bed runs, for the service and the CLI
 * alike; `tests/bed/select_podman.ts` sets it to a chroot's launcher.
 */
export const PODMAN_PROGRAM_ENV = "PODRX_TEST_PODMAN";

/**
 * The Podman program the bed runs: `$PODRX_TEST_PODMAN`, else `podman` from `PATH`.
 *
 * @returns A program name or path.
 */
export function podmanProgram(): string {
  return Deno.env.get(PODMAN_PROGRAM_ENV) || "podman";
}

/**
 * Global flags that point the Podman CLI at a storage.
 *
 * @param storage Where the state lives.
 * @returns Flags to put before the Podman subcommand.
 */
export function podmanStorageFlags(storage: PodmanStorage): string[] {
  // vfs needs no kernel overlay support and no fuse-overlayfs, so it works in any container.
  return ["--root", storage.root, "--runroot", storage.runroot, "--storage-driver", "vfs"];
}

/**
 * Runs the Podman CLI against a given storage.
 *
 * @param storage Where the state lives.
 * @param args Subcommand and its arguments, e.g. `["create", image]`.
 * @returns Exit code and decoded output; a non-zero exit does not throw.
 */
export async function runPodman(
  storage: PodmanStorage,
  args: readonly string[],
): Promise<PodmanResult> {
  const output = await new Deno.Command(podmanProgram(), {
    args: [...podmanStorageFlags(storage), ...args],
    env: podmanEnv(storage.registriesConf),
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Runs the Podman CLI against the test bed's storage, e.g. `podman create IMAGE` to make
 * an image "in use".
 *
 * @param args Subcommand and its arguments.
 * @returns Exit code and decoded output; a non-zero exit does not throw.
 * @throws {Error} (as a rejection) When the test bed is not running.
 */
export async function podmanCli(args: readonly string[]): Promise<PodmanResult> {
  return await runPodman(testBed(), args);
}

/**
 * A `storage.conf` (for `CONTAINERS_STORAGE_CONF`) that puts Podman's storage at `root` and
 * `runroot`, with vfs. Rootless Podman takes its storage from `rootless_storage_path` and
 * ignores `graphroot`, so both are set: the same file serves root and rootless runs.
 *
 * @param root Podman's `--root`.
 * @param runroot Podman's `--runroot`.
 * @returns The file's text.
 */
export function storageConfText(root: string, runroot: string): string {
  return [
    "[storage]",
    'driver = "vfs"',
    `graphroot = ${JSON.stringify(root)}`,
    `rootless_storage_path = ${JSON.stringify(root)}`,
    `runroot = ${JSON.stringify(runroot)}`,
    "",
  ].join("\n");
}

/**
 * Adds `127.0.0.1` and `localhost` to `NO_PROXY` and `no_proxy` in this process's
 * environment: a proxy from the environment must not swallow the bed's loopback traffic, in
 * this process, in Podman, or in the tests (which inherit it).
 */
export function keepLoopbackOffProxies(): void {
  for (const name of ["NO_PROXY", "no_proxy"]) {
    const current = Deno.env.get(name);
    const hosts = current ? current.split(",").map((host) => host.trim()) : [];
    for (const host of ["127.0.0.1", "localhost"]) {
      if (!hosts.includes(host)) hosts.push(host);
    }
    Deno.env.set(name, hosts.filter((host) => host !== "").join(","));
  }
}
