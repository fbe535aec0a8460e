// The README's Permissions table, run for real: each script runs in its own Deno with exactly
// the documented flags and no -A, and does something real against the bed. For a known
// socket, a TCP service, ssh:// and a login, the script also runs once with each flag left
// out, and must then fail.
import assert from "node:assert/strict";
import { removeDir, spawnLogged, waitUntilReady } from "../bed/_process.ts";
import { podmanEnv, podmanProgram, podmanStorageFlags, testBed } from "../bed/env.ts";
import { withConfigHome } from "./_config_home.ts";
import { bedPodmanPath, startSshd } from "./_sshd.ts";

const bed = testBed();
const SOCK = bed.socketPath;
const MOD = new URL("../../mod.ts", import.meta.url).href;
const CONFIG = decodeURIComponent(new URL("../../deno.json", import.meta.url).pathname);
const TMP = decodeURIComponent(new URL(".", `file://${Deno.env.get("TMPDIR") || "/tmp"}/`).pathname)
  .replace(/\/$/, "");

const SOCKET_FLAGS = [
  `--allow-read=${SOCK}`,
  `--allow-write=${SOCK}`,
  `--allow-net=unix:${SOCK},libpod`,
];

/**
 * Flags from the permissions each kind grants (`{ read: [a, b] }` is `--allow-read=a,b`; an
 * empty list grants it all), and every variant with one grant left out: the table's "remove
 * each flag", also for a flag that lists two places.
 */
function grantFlags(grants: Record<string, readonly string[]>): {
  all: string[];
  withoutEach: { left: string; kind: string; value: string | undefined; flags: string[] }[];
} {
  const flagsOf = (from: Record<string, readonly string[]>): string[] =>
    Object.entries(from).map(([kind, values]) =>
      values.length === 0 ? `--allow-${kind}` : `--allow-${kind}=${values.join(",")}`
    );
  const withoutEach = Object.entries(grants).flatMap(([kind, values]) =>
    (values.length === 0 ? [undefined] : values).map((value) => {
      const rest = values.filter((kept) => kept !== value);
      const others = Object.fromEntries(Object.entries(grants).filter(([name]) => name !== kind));
      return {
        left: value === undefined ? `--allow-${kind}` : `--allow-${kind}=${value}`,
        kind,
        value,
        flags: flagsOf(rest.length === 0 ? others : { ...others, [kind]: rest }),
      };
    })
  );
  return { all: flagsOf(grants), withoutEach };
}

/** Writes a script that imports podrx and rxjs, runs it with `flags`, and returns its output. */
async function runScript(
  body: string,
  flags: readonly string[],
  env: Record<string, string> = {},
): Promise<{ success: boolean; stdout: string; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-permissions-" });
  try {
    const script = `${dir}/script.ts`;
    await Deno.writeTextFile(
      script,
      `import { PodmanClient } from "${MOD}";\nimport { lastValueFrom } from "rxjs";\n${body}\n`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--config", CONFIG, "--no-prompt", ...flags, script],
      env,
      clearEnv: true,
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    return {
      success: output.success,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// The bed's labeled image, listed: the script reached this bed's service.
const LIST_BODY = (client: string) =>
  `await using podman = new PodmanClient(${client});\n` +
  `const images = await lastValueFrom(podman.images.list());\n` +
  `console.log(images.some((image) => image.tags.includes(${JSON.stringify(bed.labeledImage)})));`;

Deno.test("a known socket needs exactly --allow-read, --allow-write and --allow-net", async () => {
  const body = LIST_BODY(`{ baseUrl: ${JSON.stringify(`unix://${SOCK}`)} }`);
  const result = await runScript(body, SOCKET_FLAGS);
  assert.equal(result.stdout.trim(), "true", result.stderr);
  for (const left of SOCKET_FLAGS) {
    const without = await runScript(body, SOCKET_FLAGS.filter((flag) => flag !== left));
    assert.equal(without.success, false, `succeeded without ${left}`);
    assert.match(without.stderr, /NotCapable: Requires (read|write|net) access/, without.stderr);
  }
});

Deno.test("discovery through CONTAINER_HOST needs the socket's flags and --allow-env", async () => {
  const result = await runScript(LIST_BODY(""), [...SOCKET_FLAGS, "--allow-env=CONTAINER_HOST"], {
    CONTAINER_HOST: `unix:${SOCK}`,
  });
  assert.equal(result.stdout.trim(), "true", result.stderr);
});

Deno.test("a named connection needs the socket's flags, --allow-env and its config file", async () => {
  await withConfigHome(async (home) => {
    const conf = await home.writeConf(
      `[engine]\n[engine.service_destinations.bed]\nuri = "unix://${SOCK}"\n`,
    );
    const result = await runScript(
      LIST_BODY(`{ connection: "bed" }`),
      [
        ...SOCKET_FLAGS,
        `--allow-read=${SOCK},${conf}`,
        "--allow-env=CONTAINERS_CONF,XDG_CONFIG_HOME,HOME",
      ],
      { CONTAINERS_CONF: conf },
    );
    assert.equal(result.stdout.trim(), "true", result.stderr);
  });
});

Deno.test("PodmanClient.spawn() needs --allow-run=podman, the temp dir and --allow-net", async () => {
  const podman = Deno.env.get("PODRX_TEST_PODMAN") || "podman";
  const result = await runScript(
    `await using podman = await PodmanClient.spawn({\n` +
      `  podmanPath: ${JSON.stringify(podman)}, storage: "private", storageDriver: "vfs",\n` +
      `});\n` +
      `console.log(await lastValueFrom(podman.ping()), (await lastValueFrom(podman.images.list())).length);`,
    [`--allow-run=${podman}`, `--allow-read=${TMP}`, `--allow-write=${TMP}`, "--allow-net"],
    { PATH: Deno.env.get("PATH") ?? "" },
  );
  assert.equal(result.stdout.trim(), "true 0", result.stderr);
});

/** `podman system service` on a free TCP port of 127.0.0.1, over the bed's storage. */
async function startTcpService(): Promise<{ port: number } & AsyncDisposable> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  const dir = await Deno.makeTempDir({ prefix: "podrx-tcp-" });
  const service = await spawnLogged(
    podmanProgram(),
    [...podmanStorageFlags(bed), "system", "service", "--time", "0", `tcp:127.0.0.1:${port}`],
    { logPath: `${dir}/service.log`, env: podmanEnv(bed.registriesConf) },
  );
  const stop = async (): Promise<void> => {
    await service.stop();
    await removeDir(dir);
  };
  const readiness = await waitUntilReady(service, async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/_ping`);
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }, { timeoutMs: 20_000 });
  if (readiness !== "ready") {
    const log = await service.tail();
    await stop();
    throw new Error(`podman system service on tcp:127.0.0.1:${port}: ${readiness}\n${log}`);
  }
  return { port, [Symbol.asyncDispose]: stop };
}

Deno.test("a TCP service needs exactly --allow-net=host:port", async () => {
  await using service = await startTcpService();
  const address = `127.0.0.1:${service.port}`;
  const body = LIST_BODY(`{ baseUrl: ${JSON.stringify(`tcp://${address}`)} }`);
  const result = await runScript(body, [`--allow-net=${address}`]);
  assert.equal(result.stdout.trim(), "true", result.stderr);
  const without = await runScript(body, []);
  assert.equal(without.success, false, "succeeded without --allow-net");
  assert.match(
    without.stderr,
    /NotCapable: Requires net access to "127\.0\.0\.1:\d+"/,
    without.stderr,
  );
});

Deno.test("ssh:// needs exactly --allow-run=ssh, the temp dir, --allow-net and the identity", async () => {
  // The remote podman is a client of the bed's service, so the URL without a path reaches it too.
  await using sshd = await startSshd({
    sessionEnv: { ...bedPodmanPath(), CONTAINER_HOST: `unix://${SOCK}` },
  });
  // The script's own temp dir, apart from the sshd's (where the key and known_hosts are): so
  // reading the temp dir does not also grant reading the key.
  const tmp = await Deno.makeTempDir({ prefix: "podrx-permissions-tmp-" });
  try {
    const options = (path: string): string =>
      JSON.stringify({
        baseUrl: sshd.url(path),
        identity: sshd.identity,
        sshKnownHostsFile: sshd.knownHosts,
      });
    // With the socket's path, and without (asking the remote podman info for it).
    const body = `for (const options of [${options(SOCK)}, ${options("")}]) {\n` +
      `  ${LIST_BODY("options").replaceAll("\n", "\n  ")}\n}`;
    const { all, withoutEach } = grantFlags({
      run: ["ssh"],
      read: [tmp, sshd.identity],
      write: [tmp],
      net: [],
    });
    const env = { PATH: Deno.env.get("PATH") ?? "", TMPDIR: tmp };
    const result = await runScript(body, all, env);
    assert.equal(result.stdout.trim(), "true\ntrue", result.stderr);
    for (const { left, kind, value, flags } of withoutEach) {
      const started = Date.now();
      const without = await runScript(body, flags, env);
      assert.equal(without.success, false, `succeeded without ${left}`);
      // At once: waiting out the tunnel's 20 s cannot bring a permission.
      assert.ok(Date.now() - started < 15_000, `without ${left}, the failure took 20 s`);
      // Deno names what it refused: the program, the key, a path in the temp dir (or the
      // temp dir as <TMP>), the tunnel's socket.
      const what = kind === "net" ? `"unix:${tmp}/` : `"${value}`;
      assert.ok(
        without.stderr.includes("ConnectionError: Cannot list images: cannot reach Podman at ") &&
          [what, "<TMP>"].some((named) =>
            without.stderr.includes(`Requires ${kind} access to ${named}`)
          ),
        `without ${left}: ${without.stderr}`,
      );
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

// A login to the token registry: the registry and its token service, and the auth file's
// directory. The password is in the script's text (a temp file, removed), never in its output.
const LOGIN_BODY = (authfile: string | undefined) =>
  `await using podman = new PodmanClient({ baseUrl: ${JSON.stringify(`unix://${SOCK}`)} });\n` +
  `const report = await podman.credentials.promises.login(${JSON.stringify(bed.tokenRegistry)}, {` +
  ` username: ${JSON.stringify(bed.tokenUser)}, password: ${JSON.stringify(bed.tokenPassword)},` +
  ` tlsVerify: false${
    authfile === undefined ? "" : `, authfile: ${JSON.stringify(authfile)}`
  } });\n` +
  `console.log(report.authfile);`;

/** `host:port` of the token registry's token service, from its challenge. */
async function tokenServiceHost(): Promise<string> {
  const response = await fetch(`http://${bed.tokenRegistry}/v2/`);
  await response.body?.cancel();
  const realm = response.headers.get("www-authenticate")?.match(/realm="([^"]+)"/)?.[1];
  assert.ok(realm, "the token registry names no realm");
  return new URL(realm).host;
}

Deno.test("credentials.login() needs exactly --allow-net for the registry and its token service, and the auth file's directory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-permissions-login-" });
  try {
    const authfile = `${dir}/auth.json`;
    const { all, withoutEach } = grantFlags({
      net: [bed.tokenRegistry, await tokenServiceHost()],
      read: [dir],
      write: [dir],
    });
    const result = await runScript(LOGIN_BODY(authfile), all);
    assert.equal(result.stdout.trim(), authfile, result.stderr);
    for (const { left, kind, value, flags } of withoutEach) {
      await Deno.remove(authfile).catch(() => {});
      const without = await runScript(LOGIN_BODY(authfile), flags);
      assert.equal(without.success, false, `succeeded without ${left}`);
      assert.ok(
        without.stderr.includes(`Cannot log in to "${bed.tokenRegistry}": `) &&
          without.stderr.includes(`Requires ${kind} access to "${value}`),
        `without ${left}: ${without.stderr}`,
      );
    }

    // Without authfile: the file podman login uses, found through two variables.
    const runtime = `${dir}/runtime`;
    await Deno.mkdir(runtime);
    const env = { XDG_RUNTIME_DIR: runtime };
    const defaults = await runScript(LOGIN_BODY(undefined), [
      `--allow-net=${bed.tokenRegistry},${await tokenServiceHost()}`,
      `--allow-read=${runtime}`,
      `--allow-write=${runtime}`,
      "--allow-env=REGISTRY_AUTH_FILE,XDG_RUNTIME_DIR",
    ], env);
    assert.equal(defaults.stdout.trim(), `${runtime}/containers/auth.json`, defaults.stderr);
    // A variable that may not be read counts as unset: the next place is /run/containers/UID,
    // which needs the user id.
    const noEnv = await runScript(LOGIN_BODY(undefined), [
      `--allow-net=${bed.tokenRegistry},${await tokenServiceHost()}`,
      `--allow-read=${runtime}`,
      `--allow-write=${runtime}`,
    ], env);
    assert.equal(noEnv.success, false);
    assert.match(noEnv.stderr, /needs the user id \(.*Requires sys access to "uid"/, noEnv.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
