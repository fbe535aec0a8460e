// The README's Permissions table, run for real: each script runs in its own Deno with exactly
// the documented flags and no -A, and does something real against the bed. Then it runs once
// with each flag (each place a flag lists) left out, and must fail saying what Deno refused,
// or, where the README says a file or variable that may not be read counts as absent, must do
// what it does when that file or variable is not there. A row that adds flags to a socket's
// leaves the socket's own out only where its code path differs from the known socket's.
import assert from "node:assert/strict";
import { removeDir, spawnLogged, waitUntilReady } from "../bed/_process.ts";
import { processesNaming, shortTempDir } from "../bed/_leftovers.ts";
import { podmanCli, podmanEnv, podmanProgram, podmanStorageFlags, testBed } from "../bed/env.ts";
import { serverAtLeast } from "../bed/server_version.ts";
import { podmanOk, uniqueName } from "../images/_fixtures.ts";
import { withConfigHome } from "./_config_home.ts";
import { bedPodmanPath, startSshd } from "./_sshd.ts";

const bed = testBed();
const SOCK = bed.socketPath;
const MOD = new URL("../../mod.ts", import.meta.url).href;
const CONFIG = decodeURIComponent(new URL("../../deno.json", import.meta.url).pathname);
// Deno's cache, where rxjs is: the scripts get it by name, since some rows give them a HOME
// of their own, where Deno would look for it otherwise.
const DENO_DIR: string = JSON.parse(
  new TextDecoder().decode(
    (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdin: "null" }).output())
      .stdout,
  ),
).denoDir;

/** What each kind of permission grants: `{ read: [a, b] }` is `--allow-read=a,b`, `[]` all. */
type Grants = Record<string, readonly string[]>;

/** One variant of {@linkcode grantFlags}: every grant but one. */
interface LeftOut {
  /** The flag left out, as it would be written alone, e.g. `--allow-read=/a`. */
  left: string;
  kind: string;
  /** The place left out; `undefined` when the flag granted the kind whole. */
  value: string | undefined;
  flags: string[];
}

const socketGrants = (sock: string): Grants => ({
  read: [sock],
  write: [sock],
  net: [`unix:${sock}`, "libpod"],
});

/** Grants of several rows together (a kind granted whole stays whole). */
function grants(...parts: Grants[]): Grants {
  const all: Record<string, string[]> = {};
  for (const part of parts) {
    for (const [kind, values] of Object.entries(part)) {
      const kept = all[kind];
      if (kept?.length === 0 || values.length === 0) all[kind] = [];
      else all[kind] = [...new Set([...(kept ?? []), ...values])];
    }
  }
  return all;
}

/**
 * Flags from the permissions each kind grants, and every variant with one grant left out: the
 * table's "remove each flag", also for a flag that lists two places.
 */
function grantFlags(granted: Grants): { all: string[]; withoutEach: LeftOut[] } {
  const flagsOf = (from: Grants): string[] =>
    Object.entries(from).map(([kind, values]) =>
      values.length === 0 ? `--allow-${kind}` : `--allow-${kind}=${values.join(",")}`
    );
  const withoutEach = Object.entries(granted).flatMap(([kind, values]) =>
    (values.length === 0 ? [undefined] : values).map((value) => {
      const rest = values.filter((kept) => kept !== value);
      const others = Object.fromEntries(Object.entries(granted).filter(([name]) => name !== kind));
      return {
        left: value === undefined ? `--allow-${kind}` : `--allow-${kind}=${value}`,
        kind,
        value,
        flags: flagsOf(rest.length === 0 ? others : { ...others, [kind]: rest }),
      };
    })
  );
  return { all: flagsOf(granted), withoutEach };
}

/** What a script run did. */
interface Run {
  success: boolean;
  stdout: string;
  stderr: string;
  /** How long the run took, in milliseconds. */
  ms: number;
}

/** Writes a script that imports podrx and rxjs, runs it with `flags`, and returns its output. */
async function runScript(
  body: string,
  flags: readonly string[],
  env: Record<string, string> = {},
): Promise<Run> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-permissions-" });
  try {
    const script = `${dir}/script.ts`;
    await Deno.writeTextFile(
      script,
      `import { PodmanClient } from "${MOD}";\nimport { lastValueFrom } from "rxjs";\n${body}\n`,
    );
    const started = Date.now();
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--config", CONFIG, "--no-prompt", ...flags, script],
      env: { DENO_DIR, ...env },
      clearEnv: true,
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    return {
      success: output.success,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
      ms: Date.now() - started,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// How many scripts run at once: each is a Deno of its own, mostly starting up.
const RUNS_AT_ONCE = 3;

/** Runs `run` for each item, a few at once; the items with their outcomes, in order. */
async function runEach<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<[T, R][]> {
  const outcomes: [T, R][] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      outcomes[index] = [items[index]!, await run(items[index]!)];
    }
  };
  await Promise.all(Array.from({ length: Math.min(RUNS_AT_ONCE, items.length) }, worker));
  return outcomes;
}

/**
 * Deno's refusal of `left`: of the place left out (`libpod` is refused as `libpod:80`), or of
 * `named`; a path in the temp dir may show as `<TMP>`.
 */
function refused(stderr: string, { kind, value }: LeftOut, named?: string): boolean {
  const what = named ?? (value === "libpod" ? "libpod:80" : value ?? "");
  return [`"${what}`, "<TMP>"].some((shown) =>
    stderr.includes(`Requires ${kind} access to ${shown}`)
  );
}

// The bed's labeled image, listed: the script reached this bed's service.
const LIST_BODY = (client: string) =>
  `await using podman = new PodmanClient(${client});\n` +
  `const images = await lastValueFrom(podman.images.list());\n` +
  `console.log(images.some((image) => image.tags.includes(${JSON.stringify(bed.labeledImage)})));`;

Deno.test("a known socket needs exactly --allow-read, --allow-write and --allow-net", async () => {
  const body = LIST_BODY(`{ baseUrl: ${JSON.stringify(`unix://${SOCK}`)} }`);
  const { all, withoutEach } = grantFlags(socketGrants(SOCK));
  const result = await runScript(body, all);
  assert.equal(result.stdout.trim(), "true", result.stderr);
  for (const [left, without] of await runEach(withoutEach, (left) => runScript(body, left.flags))) {
    assert.equal(without.success, false, `succeeded without ${left.left}`);
    assert.ok(
      without.stderr.includes("NotCapable: ") &&
        refused(without.stderr, left),
      `without ${left.left}: ${without.stderr}`,
    );
  }
});

/** The discovery error: no place answered, and why each did not. */
const NOTHING_ANSWERED = "ConnectionError: Cannot list images: no Podman service answered; ";

Deno.test("discovery through CONTAINER_HOST needs exactly the socket's flags and --allow-env=CONTAINER_HOST", async () => {
  const { all, withoutEach } = grantFlags(
    grants(socketGrants(SOCK), { env: ["CONTAINER_HOST"] }),
  );
  const env = { CONTAINER_HOST: `unix:${SOCK}` };
  const result = await runScript(LIST_BODY(""), all, env);
  assert.equal(result.stdout.trim(), "true", result.stderr);
  const runs = await runEach(withoutEach, (left) => runScript(LIST_BODY(""), left.flags, env));
  for (const [left, without] of runs) {
    assert.equal(without.success, false, `succeeded without ${left.left}`);
    assert.ok(without.stderr.includes(NOTHING_ANSWERED), `without ${left.left}: ${without.stderr}`);
    if (left.kind === "env") {
      // A variable that may not be read is unset: its place is not even listed.
      assert.ok(!without.stderr.includes("(CONTAINER_HOST)"), without.stderr);
    } else {
      // The place is listed with Deno's refusal.
      assert.ok(
        without.stderr.includes(`unix:${SOCK} (CONTAINER_HOST): `) &&
          refused(without.stderr, left),
        `without ${left.left}: ${without.stderr}`,
      );
    }
  }
});

/** One way full discovery finds the bed's service, and the grants that way needs. */
interface DiscoveryCase {
  name: string;
  env: Record<string, string>;
  /** The socket the way leads to. */
  sock: string;
  /** The config files it reads. */
  files: string[];
  /** The variables it goes through: without any of them, nothing answers. */
  through: string[];
}

const DISCOVERY_ENV = [
  "CONTAINER_HOST",
  "CONTAINER_SSHKEY",
  "DOCKER_HOST",
  "CONTAINER_CONNECTION",
  "XDG_RUNTIME_DIR",
  "CONTAINERS_CONF",
  "XDG_CONFIG_HOME",
  "HOME",
];

Deno.test("full discovery needs, for the way it finds the service, each variable and config file of the row", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-permissions-discovery-" });
  try {
    const write = async (path: string, text: string): Promise<string> => {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, text);
      return path;
    };
    const connections = (withDefault: boolean) =>
      JSON.stringify({
        Connection: {
          ...(withDefault ? { Default: "bed" } : {}),
          Connections: { bed: { URI: `unix://${SOCK}` } },
        },
      });
    const conf = await write(
      `${dir}/conf/containers.conf`,
      `[engine]\nactive_service = "bed"\n[engine.service_destinations.bed]\nuri = "unix://${SOCK}"\n`,
    );
    const named = await write(`${dir}/xdg/containers/podman-connections.json`, connections(false));
    const home = await write(
      `${dir}/home/.config/containers/podman-connections.json`,
      connections(true),
    );
    // The rootless socket's place, leading to the bed's socket.
    await Deno.mkdir(`${dir}/run/podman`, { recursive: true });
    await Deno.symlink(SOCK, `${dir}/run/podman/podman.sock`);
    const cases: DiscoveryCase[] = [
      {
        name: "DOCKER_HOST",
        env: { DOCKER_HOST: `unix://${SOCK}` },
        sock: SOCK,
        files: [],
        through: ["DOCKER_HOST"],
      },
      {
        name: "CONTAINER_CONNECTION",
        env: { CONTAINER_CONNECTION: "bed", XDG_CONFIG_HOME: `${dir}/xdg` },
        sock: SOCK,
        files: [named],
        through: ["CONTAINER_CONNECTION", "XDG_CONFIG_HOME"],
      },
      {
        name: "the default connection of CONTAINERS_CONF",
        env: { CONTAINERS_CONF: conf },
        sock: SOCK,
        files: [conf],
        through: ["CONTAINERS_CONF"],
      },
      {
        name: "the default connection in ~/.config",
        env: { HOME: `${dir}/home` },
        sock: SOCK,
        files: [home],
        through: ["HOME"],
      },
      {
        name: "the rootless socket",
        env: { XDG_RUNTIME_DIR: `${dir}/run` },
        sock: `${dir}/run/podman/podman.sock`,
        files: [],
        through: ["XDG_RUNTIME_DIR"],
      },
    ];
    for (const { name, env, sock, files, through } of cases) {
      // (An empty list would grant all.)
      const configFiles = files.length > 0 ? { read: files } : {};
      const all = grants(socketGrants(sock), { env: DISCOVERY_ENV }, configFiles);
      const result = await runScript(LIST_BODY(""), grantFlags(all).all, env);
      assert.equal(result.stdout.trim(), "true", `${name}: ${result.stderr}`);
      // Left out one at a time: what this way goes through. Every other variable of the row
      // is unset here, so its flag cannot matter.
      const needed = grantFlags(grants({ env: through }, configFiles))
        .withoutEach.map(({ left }) => left);
      const variants = grantFlags(all).withoutEach.filter(({ left }) => needed.includes(left));
      const runs = await runEach(variants, (left) => runScript(LIST_BODY(""), left.flags, env));
      for (const [left, without] of runs) {
        assert.equal(without.success, false, `${name}: succeeded without ${left.left}`);
        assert.ok(
          without.stderr.includes(NOTHING_ANSWERED),
          `${name}, without ${left.left}: ${without.stderr}`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a named connection needs the socket's flags, --allow-env=CONTAINERS_CONF,XDG_CONFIG_HOME,HOME and its config file", async () => {
  await withConfigHome(async (home) => {
    const conf = await home.writeConf(
      `[engine]\n[engine.service_destinations.bed]\nuri = "unix://${SOCK}"\n`,
    );
    const json = await home.writeJson({
      Connection: { Connections: { bed: { URI: `unix://${SOCK}` } } },
    });
    const configHome = conf.slice(0, -"/containers/containers.conf".length);
    // Where each file is found: $CONTAINERS_CONF, $XDG_CONFIG_HOME/containers, and
    // ~/.config/containers with HOME as the config home's parent.
    const homeDir = `${configHome}/h`;
    await Deno.mkdir(`${homeDir}/.config/containers`, { recursive: true });
    const homeJson = `${homeDir}/.config/containers/podman-connections.json`;
    await Deno.copyFile(json, homeJson);
    const cases = [
      { env: { CONTAINERS_CONF: conf }, file: conf, through: "CONTAINERS_CONF" },
      { env: { XDG_CONFIG_HOME: configHome }, file: json, through: "XDG_CONFIG_HOME" },
      { env: { HOME: homeDir }, file: homeJson, through: "HOME" },
    ];
    const body = LIST_BODY(`{ connection: "bed" }`);
    for (const { env, file, through } of cases) {
      const all = grants(socketGrants(SOCK), {
        env: ["CONTAINERS_CONF", "XDG_CONFIG_HOME", "HOME"],
        read: [file],
      });
      const { withoutEach } = grantFlags(all);
      const result = await runScript(body, grantFlags(all).all, env);
      assert.equal(result.stdout.trim(), "true", `${through}: ${result.stderr}`);
      // The socket's own flags are the known socket's row.
      const variants = withoutEach.filter(({ kind, value }) => kind === "env" || value === file);
      for (
        const [left, without] of await runEach(variants, (left) => runScript(body, left.flags, env))
      ) {
        if (left.value === through || left.value === file) {
          // Unset, or not readable: the connection is not there.
          assert.equal(without.success, false, `${through}: succeeded without ${left.left}`);
          assert.ok(
            without.stderr.includes(
              'PodmanError: Cannot list images: no Podman connection is named "bed"',
            ),
            `${through}, without ${left.left}: ${without.stderr}`,
          );
        } else {
          // A variable this way does not go through counts as unset, which changes nothing.
          assert.equal(without.stdout.trim(), "true", `${through}: ${without.stderr}`);
        }
      }
    }
  });
});

Deno.test("PodmanClient.spawn() needs exactly --allow-run=podman, the temp dir and --allow-net, and without one fails at once, leaving nothing behind", async () => {
  const podman = podmanProgram();
  // A TMPDIR of its own, to see that nothing is left in it; short, for Podman's runroot.
  const tmp = await shortTempDir("pp");
  const sockDir = await shortTempDir("ps");
  try {
    // A start timeout far longer than the bound below: a failure that waited for the service
    // to answer could not come in time.
    const body = (socketPath?: string) =>
      `await using podman = await PodmanClient.spawn({\n` +
      `  podmanPath: ${JSON.stringify(podman)}, storage: "private", storageDriver: "vfs",\n` +
      `  startTimeout: 60_000,${
        socketPath ? ` socketPath: ${JSON.stringify(socketPath)},` : ""
      }\n` +
      `});\n` +
      `console.log(await lastValueFrom(podman.ping()), (await lastValueFrom(podman.images.list())).length);`;
    const env = { ...bedPodmanPath(), TMPDIR: tmp };
    const leftovers = async (): Promise<string[]> => [
      ...(await Array.fromAsync(Deno.readDir(tmp), (entry) => entry.name))
        // Rootless Podman keeps a directory of its own per user in TMPDIR
        // (`containers-user-<uid>`), reused by every Podman the user runs: not the service's.
        .filter((name) => !/^containers-user-\d+$/.test(name))
        .map((name) => `${tmp}/${name}`),
      ...await processesNaming(tmp),
    ];
    const check = async (socketPath: string | undefined, granted: Grants, only?: string[]) => {
      const { all, withoutEach } = grantFlags(granted);
      const result = await runScript(body(socketPath), all, env);
      assert.equal(result.stdout.trim(), "true 0", result.stderr);
      assert.deepEqual(await leftovers(), [], "left behind after close()");
      for (const left of withoutEach) {
        if (only && !only.includes(left.left)) continue;
        const without = await runScript(body(socketPath), left.flags, env);
        assert.equal(without.success, false, `succeeded without ${left.left}`);
        // Deno names what it refused: the program, the temp dir, the socket in it.
        const named = left.kind === "net" && left.value !== "libpod"
          ? `unix:${socketPath ?? tmp}`
          : undefined;
        assert.ok(
          without.stderr.includes("PodmanError: Cannot spawn a Podman service: ") &&
            refused(without.stderr, left, named),
          `without ${left.left}: ${without.stderr}`,
        );
        assert.ok(without.ms < 30_000, `without ${left.left}, the failure took ${without.ms} ms`);
        // The service that had started is stopped, and its directory removed.
        assert.deepEqual(await leftovers(), [], `left behind without ${left.left}`);
      }
    };
    await check(undefined, { run: [podman], read: [tmp], write: [tmp], net: [] });
    // A socketPath of its own needs read and write of it too, and then a narrower --allow-net
    // names it. Without `libpod`, Deno refuses the ping itself, not the making of its client:
    // the case that used to wait out the start timeout.
    const socketPath = `${sockDir}/podman.sock`;
    const socketNet = [`unix:${socketPath}`, "libpod"];
    await check(
      socketPath,
      { run: [podman], read: [tmp, sockDir], write: [tmp, sockDir], net: socketNet },
      [
        `--allow-read=${sockDir}`,
        `--allow-write=${sockDir}`,
        ...socketNet.map((place) => `--allow-net=${place}`),
      ],
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
    await Deno.remove(sockDir, { recursive: true });
  }
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

Deno.test("ssh:// needs exactly --allow-run=ssh, the temp dir, --allow-net and the identity; CONTAINER_HOST=ssh:// also CONTAINER_SSHKEY", async () => {
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
    const sshGrants = { run: ["ssh"], read: [tmp, sshd.identity], write: [tmp], net: [] };
    const { all, withoutEach } = grantFlags(sshGrants);
    const env = { PATH: Deno.env.get("PATH") ?? "", TMPDIR: tmp };
    const result = await runScript(body, all, env);
    assert.equal(result.stdout.trim(), "true\ntrue", result.stderr);
    for (const left of withoutEach) {
      const without = await runScript(body, left.flags, env);
      assert.equal(without.success, false, `succeeded without ${left.left}`);
      // At once: waiting out the tunnel's 20 s cannot bring a permission.
      assert.ok(without.ms < 15_000, `without ${left.left}, the failure took ${without.ms} ms`);
      // Deno names what it refused: the program, the key, a path in the temp dir (or the
      // temp dir as <TMP>), the tunnel's socket.
      assert.ok(
        without.stderr.includes("ConnectionError: Cannot list images: cannot reach Podman at ") &&
          refused(without.stderr, left, left.kind === "net" ? `unix:${tmp}/` : undefined),
        `without ${left.left}: ${without.stderr}`,
      );
    }

    // Full discovery's CONTAINER_SSHKEY: the key of CONTAINER_HOST.
    const discoveryEnv = {
      ...env,
      CONTAINER_HOST: sshd.url(SOCK),
      CONTAINER_SSHKEY: sshd.identity,
    };
    const discoveryBody = LIST_BODY(`{ sshKnownHostsFile: ${JSON.stringify(sshd.knownHosts)} }`);
    const discovery = grants(sshGrants, { env: DISCOVERY_ENV });
    const found = await runScript(discoveryBody, grantFlags(discovery).all, discoveryEnv);
    assert.equal(found.stdout.trim(), "true", found.stderr);
    const withoutKey = await runScript(
      discoveryBody,
      grantFlags(
        grants(sshGrants, { env: DISCOVERY_ENV.filter((name) => name !== "CONTAINER_SSHKEY") }),
      ).all,
      discoveryEnv,
    );
    // Unset: ssh does not offer that key, and the server takes no other.
    assert.equal(withoutKey.success, false, "succeeded without --allow-env=CONTAINER_SSHKEY");
    assert.ok(
      withoutKey.stderr.includes(NOTHING_ANSWERED) &&
        withoutKey.stderr.includes(`${sshd.url(SOCK)} (CONTAINER_HOST): `) &&
        withoutKey.stderr.includes("Permission denied"),
      withoutKey.stderr,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

/** An image of the bed's busybox pushed to `reference` with `user`'s credentials; no local copy. */
async function pushedImage(reference: string, user?: { name: string; password: string }) {
  await podmanOk(["tag", bed.busyboxImage, reference]);
  try {
    const pushed = await podmanCli([
      "push",
      ...(user ? [`--creds=${user.name}:${user.password}`] : []),
      reference,
    ]);
    // Only Podman's stderr in the message, never the arguments (they hold the password).
    assert.equal(pushed.code, 0, `podman push failed: ${pushed.stderr}`);
  } finally {
    await podmanOk(["untag", bed.busyboxImage, reference]);
  }
}

Deno.test("images.getRegistryData() needs exactly --allow-net for the registry and its token service, and nothing for the socket", async () => {
  // One of the open registry, one of the token registry, read with the password given.
  const open = `${bed.registry}/podrx/${uniqueName("permissions")}:1`;
  const token = `${bed.tokenRegistry}/podrx/${uniqueName("permissions")}:1`;
  await pushedImage(open);
  await pushedImage(token, { name: bed.tokenUser, password: bed.tokenPassword });
  const authConfig = { username: bed.tokenUser, password: bed.tokenPassword };
  const body =
    `await using podman = new PodmanClient({ baseUrl: ${JSON.stringify(`unix://${SOCK}`)} });\n` +
    `for (const [image, authConfig] of ${JSON.stringify([[open], [token, authConfig]])}) {\n` +
    `  const data = await podman.images.promises.getRegistryData(image, { tlsVerify: false, authConfig });\n` +
    `  console.log(data.id.startsWith("sha256:"));\n` +
    `}`;
  // The service is not asked: podrx reads the registry itself.
  const { all, withoutEach } = grantFlags({
    net: [bed.registry, bed.tokenRegistry, await tokenServiceHost()],
  });
  const result = await runScript(body, all);
  assert.equal(result.stdout.trim(), "true\ntrue", result.stderr);
  for (const [left, without] of await runEach(withoutEach, (left) => runScript(body, left.flags))) {
    assert.equal(without.success, false, `succeeded without ${left.left}`);
    assert.ok(
      without.stderr.includes("Cannot read registry data of ") && refused(without.stderr, left),
      `without ${left.left}: ${without.stderr}`,
    );
  }
});

// The credentials of the bed's two registries, as auth files hold them.
const basicAuth = btoa(`${bed.authUser}:${bed.authPassword}`);
const tokenAuth = btoa(`${bed.tokenUser}:${bed.tokenPassword}`);
const SECRETS = [bed.authPassword, basicAuth, bed.tokenPassword, tokenAuth];
const CREDENTIAL_ENV = [
  "REGISTRY_AUTH_FILE",
  "XDG_RUNTIME_DIR",
  "XDG_CONFIG_HOME",
  "DOCKER_CONFIG",
  "HOME",
];

/**
 * A script that pulls each image (no credentials in it) and prints, per image, `ok` or the
 * error; the service has no credentials of its own, so only the user's reach the registry.
 */
function pullBody(images: Record<string, string>): string {
  return `await using podman = new PodmanClient({ baseUrl: ${
    JSON.stringify(`unix://${SOCK}`)
  } });\n` +
    `for (const [name, image] of Object.entries(${JSON.stringify(images)})) {\n` +
    `  try {\n` +
    `    await podman.images.promises.pull(image, { tlsVerify: false });\n` +
    `    console.log(name, "ok");\n` +
    `  } catch (error) {\n` +
    `    console.log(name, error.name + ": " + error.message.split("\\n")[0]);\n` +
    `  }\n` +
    `}`;
}

/** Per image, what the pull script said. */
function pullOutcomes(run: Run): Record<string, string> {
  for (const secret of SECRETS) {
    assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), "a secret was printed");
  }
  return Object.fromEntries(
    run.stdout.trim().split("\n").filter((line) => line !== "").map((line) => {
      const space = line.indexOf(" ");
      return [line.slice(0, space), line.slice(space + 1)];
    }),
  );
}

// What a pull without credentials ends in: the registry's refusal, through Podman.
const UNAUTHORIZED = /^APIError: .*(authentication required|unauthorized)/i;

Deno.test("the user's registry credentials need --allow-env of the variables and --allow-read of the auth files; without either, that file is absent", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-permissions-creds-" });
  const images = {
    runtime: `${bed.authRegistry}/runtime/${uniqueName("permissions")}:1`,
    config: `${bed.authRegistry}/config/${uniqueName("permissions")}:1`,
    docker: `${bed.authRegistry}/docker/${uniqueName("permissions")}:1`,
    legacy: `${bed.tokenRegistry}/legacy/${uniqueName("permissions")}:1`,
  };
  try {
    const basic = { name: bed.authUser, password: bed.authPassword };
    for (const image of [images.runtime, images.config, images.docker]) {
      await pushedImage(image, basic);
    }
    await pushedImage(images.legacy, { name: bed.tokenUser, password: bed.tokenPassword });
    // One file per place, each with the credentials of one image only: a namespace of the
    // basic-auth registry each, and the legacy ~/.dockercfg (which has no namespaces) the
    // token registry. So each image's pull tells whether its file was read.
    const entry = (key: string, auth: string) => JSON.stringify({ auths: { [key]: { auth } } });
    const files = {
      runtime: `${dir}/run/containers/auth.json`,
      config: `${dir}/config/containers/auth.json`,
      docker: `${dir}/docker/config.json`,
      legacy: `${dir}/home/.dockercfg`,
    };
    for (const path of Object.values(files)) {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    }
    await Deno.writeTextFile(files.runtime, entry(`${bed.authRegistry}/runtime`, basicAuth));
    await Deno.writeTextFile(files.config, entry(`${bed.authRegistry}/config`, basicAuth));
    await Deno.writeTextFile(files.docker, entry(`${bed.authRegistry}/docker`, basicAuth));
    await Deno.writeTextFile(
      files.legacy,
      JSON.stringify({ [bed.tokenRegistry]: { auth: tokenAuth } }),
    );
    const env = {
      XDG_RUNTIME_DIR: `${dir}/run`,
      XDG_CONFIG_HOME: `${dir}/config`,
      DOCKER_CONFIG: `${dir}/docker`,
      HOME: `${dir}/home`,
    };
    // Which image loses its credentials when a variable or a file may not be read.
    const lostWithout: Record<string, string> = {
      "--allow-env=XDG_RUNTIME_DIR": "runtime",
      "--allow-env=XDG_CONFIG_HOME": "config",
      "--allow-env=DOCKER_CONFIG": "docker",
      "--allow-env=HOME": "legacy",
      [`--allow-read=${files.runtime}`]: "runtime",
      [`--allow-read=${files.config}`]: "config",
      [`--allow-read=${files.docker}`]: "docker",
      [`--allow-read=${files.legacy}`]: "legacy",
    };
    const row = { env: CREDENTIAL_ENV, read: Object.values(files) };
    const { all, withoutEach } = grantFlags(grants(socketGrants(SOCK), row));
    const result = pullOutcomes(await runScript(pullBody(images), all, env));
    assert.deepEqual(result, { runtime: "ok", config: "ok", docker: "ok", legacy: "ok" });
    // The socket's own flags are the known socket's row.
    const variants = withoutEach.filter(({ kind, value }) =>
      kind === "env" || Object.values(files).includes(value!)
    );
    const runs = await runEach(variants, (left) => runScript(pullBody(images), left.flags, env));
    for (const [left, run] of runs) {
      const outcomes = pullOutcomes(run);
      assert.deepEqual(
        Object.keys(outcomes),
        Object.keys(images),
        `without ${left.left}: ${run.stderr}`,
      );
      const lost = lostWithout[left.left];
      for (const [name, outcome] of Object.entries(outcomes)) {
        if (name === lost) {
          assert.match(outcome, UNAUTHORIZED, `${name}, without ${left.left}`);
        } else {
          // REGISTRY_AUTH_FILE is unset here, so leaving out its flag changes nothing.
          assert.equal(outcome, "ok", `${name}, without ${left.left}`);
        }
      }
    }

    // Without XDG_RUNTIME_DIR, the first file is /run/containers/UID/auth.json, which needs
    // the user id; without --allow-sys=uid it is absent too, and the other files still count.
    const { XDG_RUNTIME_DIR: _, ...noRuntimeDir } = env;
    const oneImage = pullBody({ config: images.config });
    for (const sys of [["uid"], undefined]) {
      const flags = grantFlags(grants(socketGrants(SOCK), row, sys ? { sys } : {})).all;
      const outcome = pullOutcomes(await runScript(oneImage, flags, noRuntimeDir));
      assert.deepEqual(outcome, { config: "ok" }, `with sys ${sys}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    for (const image of Object.values(images)) await podmanCli(["rmi", "--ignore", image]);
  }
});

Deno.test("REGISTRY_AUTH_FILE and a credential helper need --allow-env, --allow-read of the file and --allow-run=docker-credential-NAME", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-permissions-helper-" });
  const image = `${bed.authRegistry}/helper/${uniqueName("permissions")}:1`;
  try {
    await pushedImage(image, { name: bed.authUser, password: bed.authPassword });
    // A helper on PATH that answers `get` with the bed's credentials.
    const helper = "docker-credential-podrxperm";
    await Deno.mkdir(`${dir}/bin`);
    const answer = `${dir}/answer.json`;
    await Deno.writeTextFile(
      answer,
      JSON.stringify({
        ServerURL: bed.authRegistry,
        Username: bed.authUser,
        Secret: bed.authPassword,
      }),
    );
    await Deno.writeTextFile(
      `${dir}/bin/${helper}`,
      `#!/bin/sh\ncat >/dev/null\ncat '${answer}'\n`,
      { mode: 0o700 },
    );
    const authfile = `${dir}/auth.json`;
    await Deno.writeTextFile(
      authfile,
      JSON.stringify({ credHelpers: { [bed.authRegistry]: "podrxperm" } }),
    );
    const env = {
      PATH: `${dir}/bin:/usr/bin:/bin`,
      REGISTRY_AUTH_FILE: authfile,
      // The default files, if REGISTRY_AUTH_FILE is not read: none there.
      XDG_RUNTIME_DIR: `${dir}/run`,
      XDG_CONFIG_HOME: `${dir}/config`,
      DOCKER_CONFIG: `${dir}/docker`,
      HOME: `${dir}/home`,
    };
    const body = pullBody({ helper: image });
    const row = { env: CREDENTIAL_ENV, read: [authfile], run: [helper] };
    const { all, withoutEach } = grantFlags(grants(socketGrants(SOCK), row));
    const result = pullOutcomes(await runScript(body, all, env));
    assert.deepEqual(result, { helper: "ok" });
    const variants = withoutEach.filter(({ kind, value }) =>
      kind === "env" || value === authfile || value === helper
    );
    for (const [left, run] of await runEach(variants, (left) => runScript(body, left.flags, env))) {
      const { helper: outcome } = pullOutcomes(run);
      const action =
        `PodmanError: Cannot pull image "${image}": cannot read the registry credentials: `;
      if (left.left === "--allow-env=REGISTRY_AUTH_FILE") {
        // Unset: the default files answer, and they have nothing for this registry.
        assert.match(outcome!, UNAUTHORIZED, `without ${left.left}`);
      } else if (left.value === authfile) {
        // A file the user named is read alone, and must be readable, as podman --authfile.
        assert.equal(
          outcome,
          `${action}reading the auth file ${authfile} needs --allow-read=${authfile}`,
        );
      } else if (left.value === helper) {
        assert.equal(
          outcome,
          `${action}running the credential helper ${helper} needs --allow-run=${helper}`,
        );
      } else {
        // The other variables are for the default files, which REGISTRY_AUTH_FILE replaces.
        assert.equal(outcome, "ok", `without ${left.left}`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await podmanCli(["rmi", "--ignore", image]);
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
    for (const left of withoutEach) {
      await Deno.remove(authfile).catch(() => {});
      const without = await runScript(LOGIN_BODY(authfile), left.flags);
      assert.equal(without.success, false, `succeeded without ${left.left}`);
      assert.ok(
        without.stderr.includes(`Cannot log in to "${bed.tokenRegistry}": `) &&
          refused(without.stderr, left),
        `without ${left.left}: ${without.stderr}`,
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

Deno.test("credentials.logout() needs exactly --allow-read and --allow-write of the auth file's directory, and without authfile --allow-env and --allow-sys=uid", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-permissions-logout-" });
  try {
    // No socket flags: logout touches only the file.
    const body = (authfile: string | undefined) =>
      `await using podman = new PodmanClient({ baseUrl: ${JSON.stringify(`unix://${SOCK}`)} });\n` +
      `const report = await podman.credentials.promises.logout(${
        JSON.stringify(bed.tokenRegistry)
      }${authfile === undefined ? "" : `, { authfile: ${JSON.stringify(authfile)} }`});\n` +
      `console.log(report.authfile);`;
    const loggedIn = async (authfile: string): Promise<void> => {
      await Deno.mkdir(authfile.slice(0, authfile.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(
        authfile,
        JSON.stringify({ auths: { [bed.tokenRegistry]: { auth: tokenAuth } } }),
      );
    };
    const loggedOut = async (authfile: string): Promise<boolean> =>
      !(await Deno.readTextFile(authfile)).includes(bed.tokenRegistry);

    const authfile = `${dir}/auth.json`;
    const { all, withoutEach } = grantFlags({ read: [dir], write: [dir] });
    await loggedIn(authfile);
    const result = await runScript(body(authfile), all);
    assert.equal(result.stdout.trim(), authfile, result.stderr);
    assert.ok(await loggedOut(authfile));
    for (const left of withoutEach) {
      await loggedIn(authfile);
      const without = await runScript(body(authfile), left.flags);
      assert.equal(without.success, false, `succeeded without ${left.left}`);
      assert.ok(
        without.stderr.includes(`Cannot log out of "${bed.tokenRegistry}": `) &&
          refused(without.stderr, left),
        `without ${left.left}: ${without.stderr}`,
      );
      assert.equal(await loggedOut(authfile), false, `logged out without ${left.left}`);
    }

    // Without authfile: $XDG_RUNTIME_DIR/containers/auth.json, as podman logout.
    const runtime = `${dir}/runtime`;
    const defaultFile = `${runtime}/containers/auth.json`;
    const env = { XDG_RUNTIME_DIR: runtime };
    const defaults = grantFlags({
      read: [runtime],
      write: [runtime],
      env: ["REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR"],
    });
    await loggedIn(defaultFile);
    const found = await runScript(body(undefined), defaults.all, env);
    assert.equal(found.stdout.trim(), defaultFile, found.stderr);
    for (const left of defaults.withoutEach) {
      if (left.kind !== "env") continue;
      await loggedIn(defaultFile);
      const without = await runScript(body(undefined), left.flags, env);
      if (left.value === "REGISTRY_AUTH_FILE") {
        // Unset here: leaving out its flag changes nothing.
        assert.equal(without.stdout.trim(), defaultFile, without.stderr);
      } else {
        // Unset: the place is then /run/containers/UID, which needs the user id.
        assert.match(
          without.stderr,
          /Cannot log out of .*needs the user id \(.*Requires sys access to "uid"/,
          without.stderr,
        );
        assert.equal(await loggedOut(defaultFile), false);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load(path) and build({ path }) read in place with --allow-write on the directory; without it they upload", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-permissions-local-" });
  const tag = `localhost/podrx-test/${uniqueName("permissions-build")}:1`;
  try {
    const archive = `${dir}/archive/image.tar`;
    await Deno.mkdir(`${dir}/archive`);
    await podmanOk(["save", "-o", archive, bed.labeledImage]);
    const context = `${dir}/context`;
    await Deno.mkdir(context);
    await Deno.writeTextFile(
      `${context}/Containerfile`,
      `FROM ${bed.labeledImage}\nLABEL podrx.permissions=1\n`,
    );
    const body = (via: string) =>
      `await using podman = new PodmanClient({ baseUrl: ${JSON.stringify(`unix://${SOCK}`)} });\n` +
      `const loaded = await podman.images.promises.load(${
        JSON.stringify(archive)
      }, { via: "${via}" });\n` +
      `const built = await podman.images.promises.build({ path: ${JSON.stringify(context)}, tag: ${
        JSON.stringify(tag)
      }, via: "${via}" });\n` +
      `console.log(loaded.length > 0, built.image.labels["podrx.permissions"]);`;
    // Reading the archive and the context is the upload's; in place, the probe is written too.
    const inPlace = grants(socketGrants(SOCK), {
      read: [archive, context],
      write: [`${dir}/archive`, context],
    });
    const { all, withoutEach } = grantFlags(inPlace);
    // The socket's own flags are the known socket's row.
    const own = withoutEach.filter(({ value }) =>
      [archive, context, `${dir}/archive`].includes(value!)
    );
    // The local endpoints are Podman 5.7's: older servers get the upload either way.
    const hasLocal = await serverAtLeast(5, 7);
    for (const via of hasLocal ? ["auto", "local"] : ["auto"]) {
      const result = await runScript(body(via), all);
      assert.equal(result.stdout.trim(), "true 1", `via ${via}: ${result.stderr}`);
      for (
        const [left, without] of await runEach(own, (left) => runScript(body(via), left.flags))
      ) {
        if (left.kind === "read") {
          assert.equal(without.success, false, `via ${via}, succeeded without ${left.left}`);
          assert.ok(
            refused(without.stderr, left),
            `via ${via}, without ${left.left}: ${without.stderr}`,
          );
        } else if (via === "auto") {
          // Without it, the upload: the same images.
          assert.equal(without.stdout.trim(), "true 1", `without ${left.left}: ${without.stderr}`);
        } else {
          assert.equal(without.success, false, `read in place without ${left.left}`);
          assert.ok(
            without.stderr.includes(
              `via "local": the service cannot read it in place: podrx may not write a probe ` +
                `file in "${left.value}" (no --allow-write for it)`,
            ),
            `without ${left.left}: ${without.stderr}`,
          );
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await podmanCli(["rmi", "--ignore", tag]);
  }
});
