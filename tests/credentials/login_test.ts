// credentials.login() and logout() against the bed's real registries: basic auth (htpasswd)
// and token auth (a token service issuing JWTs), and Podman itself (and podrx's own
// resolveCredentials()) reading the files they write. No assertion prints a secret: entries are compared as booleans, and every error,
// report and inspect is searched for the password, the identity token and their base64 forms.
import assert from "node:assert/strict";
import { resolveCredentials } from "../../src/credentials/credential_resolver.ts";
import { withEnv } from "./_env.ts";
import { lastValueFrom } from "rxjs";
import { APIError, PodmanClient, PodmanError, TimeoutError } from "../../mod.ts";
import {
  podmanCli,
  podmanEnv,
  podmanProgram,
  type PodmanResult,
  podmanStorageFlags,
  testBed,
} from "../bed/env.ts";

const bed = testBed();

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/** Every form of a secret that must never show: itself, and base64 of it and of user:secret. */
function secretForms(username: string, ...secrets: string[]): string[] {
  return secrets.flatMap((secret) => [secret, base64(secret), base64(`${username}:${secret}`)]);
}

/** The secrets found in anything a caller could print of `value`. */
function leaks(value: unknown, secrets: readonly string[]): string[] {
  const texts = [Deno.inspect(value, { depth: 10, showHidden: true }), String(value)];
  if (value instanceof Error) {
    texts.push(value.message, value.stack ?? "", Deno.inspect(value.cause, { depth: 10 }));
    texts.push(JSON.stringify(Object.fromEntries(Object.entries(value))));
  } else {
    texts.push(JSON.stringify(value) ?? "");
  }
  return secrets.filter((secret) => texts.some((text) => text.includes(secret)));
}

const ALL_SECRETS = [
  ...secretForms(bed.authUser, bed.authPassword),
  ...secretForms(bed.tokenUser, bed.tokenPassword, bed.tokenIdentityToken),
];

/** An error as a failed assertion may print it: every bed secret (and wrong guess) masked. */
function shown(error: unknown, ...more: string[]): string {
  let text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  for (const secret of [...ALL_SECRETS, ...more]) text = text.split(secret).join("***");
  return text;
}

function assertNoLeak(value: unknown, secrets: readonly string[]): void {
  // The count only: the message must not print what it found.
  assert.equal(leaks(value, secrets).length, 0, "a secret shows in the error or report");
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "podrx-login-" });
}

function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(path));
}

function entryOf(config: Record<string, unknown>, key: string): Record<string, unknown> {
  const entry = (config.auths as Record<string, Record<string, unknown>> | undefined)?.[key];
  assert.ok(entry, `no auths entry for ${key}`);
  return entry;
}

function mode(info: Deno.FileInfo): number {
  return (info.mode ?? 0) & 0o777;
}

/** The names in a directory: no temp file of an atomic write may be left beside the file. */
async function namesIn(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir), (entry) => entry.name)).sort();
}

/** An image in the token registry, pushed by Podman with the bed's credentials; local copy removed. */
async function imageInTokenRegistry(): Promise<string> {
  const image = `${bed.tokenRegistry}/podrx/login-${crypto.randomUUID().slice(0, 8)}:1`;
  await podmanOrFail(["tag", bed.busyboxImage, image], "tag");
  const pushed = await podmanCli(["push", `--creds=${bed.tokenUser}:${bed.tokenPassword}`, image]);
  // Only Podman's stderr in the message, never the arguments (they hold the password).
  assert.equal(pushed.code, 0, `podman push failed: ${pushed.stderr}`);
  await podmanOrFail(["rmi", image], "rmi");
  return image;
}

async function podmanOrFail(args: string[], what: string): Promise<PodmanResult> {
  const result = await podmanCli(args);
  assert.equal(result.code, 0, `podman ${what} failed: ${result.stderr}`);
  return result;
}

/** `podman pull --authfile` of an image that needs credentials, then the local copy removed. */
async function podmanPullsWith(authfile: string, image: string): Promise<PodmanResult> {
  const result = await podmanCli(["pull", "-q", "--authfile", authfile, image]);
  await podmanCli(["rmi", "--ignore", image]);
  return result;
}

// --- basic auth (htpasswd) -----------------------------------------------------------------

Deno.test("login() with the right password on a basic-auth registry writes auths[registry] to a new 0600 file in a 0700 directory", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const authfile = `${dir}/made/auth.json`;
    const report = await podman.credentials.promises.login(bed.authRegistry, {
      username: bed.authUser,
      password: bed.authPassword,
      tlsVerify: false,
      authfile,
    });
    assert.deepEqual(report, { registry: bed.authRegistry, authfile });
    assertNoLeak(report, ALL_SECRETS);

    assert.equal(mode(await Deno.stat(authfile)), 0o600);
    assert.equal(mode(await Deno.stat(`${dir}/made`)), 0o700);
    assert.deepEqual(await namesIn(`${dir}/made`), ["auth.json"]);
    const entry = entryOf(await readJson(authfile), bed.authRegistry);
    assert.deepEqual(Object.keys(entry), ["auth"]);
    assert.ok(
      entry.auth === base64(`${bed.authUser}:${bed.authPassword}`),
      "auth is not base64(user:password)",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("login() keeps every other entry and key of the file as it was, and leaves no temp file", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const authfile = `${dir}/auth.json`;
    const before = {
      auths: {
        "other.example": { auth: base64("someone:else") },
        "other.example/team": { auth: base64("team:pw"), identitytoken: "kept-token" },
        [bed.authRegistry]: { auth: base64("stale:old"), email: "dropped@example.com" },
      },
      credHelpers: { "gcr.io": "gcloud" },
      credsStore: "desktop",
      "x-unknown": { nested: [1, "two", { three: null }], 42: true },
    };
    await Deno.writeTextFile(authfile, JSON.stringify(before), { mode: 0o644 });
    await Deno.chmod(authfile, 0o644);

    await lastValueFrom(podman.credentials.login(bed.authRegistry, {
      username: bed.authUser,
      password: bed.authPassword,
      tlsVerify: false,
      authfile,
    }));

    const after = await readJson(authfile);
    const { [bed.authRegistry]: written, ...otherAuths } = after.auths as Record<string, unknown>;
    const { [bed.authRegistry]: _stale, ...otherBefore } = before.auths;
    assert.deepEqual(otherAuths, otherBefore);
    assert.deepEqual({ ...after, auths: undefined }, { ...before, auths: undefined });
    assert.deepEqual(Object.keys(after), Object.keys(before));
    assert.ok(
      (written as { auth?: string }).auth === base64(`${bed.authUser}:${bed.authPassword}`) &&
        Object.keys(written as object).length === 1,
      "the entry was not replaced by { auth }",
    );
    assert.equal(mode(await Deno.stat(authfile)), 0o600);
    assert.deepEqual(await namesIn(dir), ["auth.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("login() with a wrong password on a basic-auth registry fails with the registry's 401 and writes nothing", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const authfile = `${dir}/auth.json`;
    const original = JSON.stringify({ auths: { "other.example": { auth: base64("a:b") } } });
    await Deno.writeTextFile(authfile, original);
    const wrong = `${bed.authPassword}-wrong`;
    const error = await podman.credentials.promises.login(bed.authRegistry, {
      username: bed.authUser,
      password: wrong,
      tlsVerify: false,
      authfile,
    }).catch((error: unknown) => error);

    assert.ok(error instanceof APIError, shown(error));
    assert.equal(error.status, 401);
    assert.ok(error.message.startsWith(`Cannot log in to "${bed.authRegistry}": `), shown(error));
    assert.ok(/credentials were refused/.test(error.message), shown(error));
    assertNoLeak(error, [...secretForms(bed.authUser, wrong), ...ALL_SECRETS]);
    assert.equal(await Deno.readTextFile(authfile), original);
    assert.deepEqual(await namesIn(dir), ["auth.json"]);

    // No file at all: none is created.
    const missing = `${dir}/none/auth.json`;
    await assert.rejects(
      podman.credentials.promises.login(bed.authRegistry, {
        username: bed.authUser,
        password: wrong,
        tlsVerify: false,
        authfile: missing,
      }),
      APIError,
    );
    assert.deepEqual(await namesIn(dir), ["auth.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("login() with tlsVerify left on fails clearly against a plain-HTTP registry and writes nothing", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const authfile = `${dir}/auth.json`;
    const error = await podman.credentials.promises.login(bed.authRegistry, {
      username: bed.authUser,
      password: bed.authPassword,
      authfile,
    }).catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError && !(error instanceof APIError), shown(error));
    assert.ok(
      error.message.startsWith(
        `Cannot log in to "${bed.authRegistry}": cannot reach the registry (https://${bed.authRegistry}: `,
      ),
      shown(error),
    );
    assert.ok(
      error.message.endsWith("; a registry that speaks plain HTTP needs tlsVerify: false"),
      shown(error),
    );
    assertNoLeak(error, ALL_SECRETS);
    assert.deepEqual(await namesIn(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- token auth ------------------------------------------------------------------------------

Deno.test("login() on a token-auth registry gets a token with the password, writes the entry, and Podman pulls with the file", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const image = await imageInTokenRegistry();
    const authfile = `${dir}/auth.json`;
    // Without credentials Podman cannot pull it: the file is what makes the difference.
    await Deno.writeTextFile(authfile, JSON.stringify({ auths: {} }));
    assert.notEqual((await podmanPullsWith(authfile, image)).code, 0);

    const report = await lastValueFrom(podman.credentials.login(bed.tokenRegistry, {
      username: bed.tokenUser,
      password: bed.tokenPassword,
      tlsVerify: false,
      authfile,
    }));
    assert.deepEqual(report, { registry: bed.tokenRegistry, authfile });
    assert.ok(
      entryOf(await readJson(authfile), bed.tokenRegistry).auth ===
        base64(`${bed.tokenUser}:${bed.tokenPassword}`),
      "auth is not base64(user:password)",
    );
    assert.equal(mode(await Deno.stat(authfile)), 0o600);

    const pulled = await podmanPullsWith(authfile, image);
    assert.equal(pulled.code, 0, pulled.stderr);
    const login = await podmanOrFail(
      ["login", "--get-login", "--authfile", authfile, bed.tokenRegistry],
      "login --get-login",
    );
    assert.equal(login.stdout.trim(), bed.tokenUser);
    // And podrx's own lookup finds them, for an image of that registry.
    const resolved = await resolveCredentials(image, { authfile });
    assert.ok(
      resolved?.username === bed.tokenUser && resolved.password === bed.tokenPassword,
      "resolveCredentials() does not find the login",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("login() with a wrong password on a token-auth registry fails with the token service's 401 and writes nothing", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const authfile = `${dir}/auth.json`;
    const wrong = `${bed.tokenPassword}-wrong`;
    const error = await lastValueFrom(podman.credentials.login(bed.tokenRegistry, {
      username: bed.tokenUser,
      password: wrong,
      tlsVerify: false,
      authfile,
    })).catch((error: unknown) => error);
    assert.ok(error instanceof APIError, shown(error));
    assert.equal(error.status, 401);
    assert.ok(error.message.startsWith(`Cannot log in to "${bed.tokenRegistry}": `), shown(error));
    assert.ok(/credentials were refused: the token service: /.test(error.message), shown(error));
    assertNoLeak(error, [...secretForms(bed.tokenUser, wrong), ...ALL_SECRETS]);
    assert.deepEqual(await namesIn(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("login() with an identity token writes { auth: base64(user:), identitytoken }, which Podman uses; a wrong one writes nothing", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const image = await imageInTokenRegistry();
    const authfile = `${dir}/auth.json`;
    const report = await podman.credentials.promises.login(bed.tokenRegistry, {
      username: bed.tokenUser,
      identityToken: bed.tokenIdentityToken,
      tlsVerify: false,
      authfile,
    });
    assertNoLeak(report, ALL_SECRETS);
    const entry = entryOf(await readJson(authfile), bed.tokenRegistry);
    assert.ok(
      entry.auth === base64(`${bed.tokenUser}:`) &&
        entry.identitytoken === bed.tokenIdentityToken,
      "the entry is not { auth: base64(user:), identitytoken }",
    );
    const pulled = await podmanPullsWith(authfile, image);
    assert.equal(pulled.code, 0, pulled.stderr);
    const resolved = await resolveCredentials(image, { authfile });
    assert.ok(
      resolved?.identityToken === bed.tokenIdentityToken && !resolved.password,
      "resolveCredentials() does not find the identity token",
    );

    const wrong = `${bed.tokenIdentityToken}-wrong`;
    const before = await Deno.readTextFile(authfile);
    const error = await podman.credentials.promises.login(bed.tokenRegistry, {
      identityToken: wrong,
      tlsVerify: false,
      authfile,
    }).catch((error: unknown) => error);
    assert.ok(error instanceof APIError && error.status === 401, shown(error));
    assertNoLeak(error, [...secretForms(bed.tokenUser, wrong), ...ALL_SECRETS]);
    assert.equal(await Deno.readTextFile(authfile), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- logout ---------------------------------------------------------------------------------

Deno.test("logout() removes the registry's entry and keeps the rest; a second logout names the registry it is not logged in to", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const authfile = `${dir}/auth.json`;
    await Deno.writeTextFile(
      authfile,
      JSON.stringify({ auths: { "other.example": { auth: base64("a:b") } }, "x-unknown": 1 }),
    );
    for (
      const [registry, username, password] of [
        [bed.authRegistry, bed.authUser, bed.authPassword],
        [bed.tokenRegistry, bed.tokenUser, bed.tokenPassword],
      ] as const
    ) {
      await podman.credentials.promises.login(registry, {
        username,
        password,
        tlsVerify: false,
        authfile,
      });
    }

    const report = await lastValueFrom(podman.credentials.logout(bed.tokenRegistry, { authfile }));
    assert.deepEqual(report, { registries: [bed.tokenRegistry], authfile });
    const after = await readJson(authfile);
    assert.deepEqual(
      Object.keys(after.auths as object).sort(),
      [bed.authRegistry, "other.example"].sort(),
    );
    assert.equal(after["x-unknown"], 1);
    assert.equal(mode(await Deno.stat(authfile)), 0o600);
    assert.deepEqual(await namesIn(dir), ["auth.json"]);
    const getLogin = await podmanCli([
      "login",
      "--get-login",
      "--authfile",
      authfile,
      bed.tokenRegistry,
    ]);
    assert.notEqual(getLogin.code, 0, "Podman still finds a login");

    const again = await podman.credentials.promises.logout(bed.tokenRegistry, { authfile })
      .catch((error: unknown) => error);
    assert.ok(again instanceof PodmanError, shown(again));
    assertNoLeak(again, ALL_SECRETS);
    assert.equal(
      again.message,
      `Cannot log out of "${bed.tokenRegistry}": not logged in (${authfile} has no entry for it)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("logout({ all: true }) removes every auths entry and keeps credHelpers and unknown keys", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const authfile = `${dir}/auth.json`;
    await Deno.writeTextFile(
      authfile,
      JSON.stringify({
        auths: { "a.example": { auth: base64("a:b") }, "b.example/ns": { auth: base64("c:d") } },
        credHelpers: { "gcr.io": "gcloud" },
        "x-unknown": { kept: true },
      }),
    );
    const report = await podman.credentials.promises.logout({ all: true }, { authfile });
    assert.deepEqual(report.registries.sort(), ["a.example", "b.example/ns"]);
    assert.deepEqual(await readJson(authfile), {
      auths: {},
      credHelpers: { "gcr.io": "gcloud" },
      "x-unknown": { kept: true },
    });

    // Nothing to remove, no file: nothing is written.
    const none = `${dir}/none.json`;
    assert.deepEqual(await podman.credentials.promises.logout({ all: true }, { authfile: none }), {
      registries: [],
      authfile: none,
    });
    assert.deepEqual(await namesIn(dir), ["auth.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("login() refuses a registry the file's credHelpers keep in a helper, and writes nothing; logout() names the helper", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const authfile = `${dir}/auth.json`;
    const original = JSON.stringify({ credHelpers: { [bed.authRegistry]: "podrx-test" } });
    await Deno.writeTextFile(authfile, original);
    const error = await podman.credentials.promises.login(bed.authRegistry, {
      username: bed.authUser,
      password: bed.authPassword,
      tlsVerify: false,
      authfile,
    }).catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError && !(error instanceof APIError), shown(error));
    assertNoLeak(error, ALL_SECRETS);
    assert.equal(
      error.message,
      `Cannot log in to "${bed.authRegistry}": ${authfile} keeps the credentials of ` +
        `"${bed.authRegistry}" in the credential helper "podrx-test" (credHelpers), which login ` +
        "does not write to; use docker-credential-podrx-test, or remove that credHelpers entry",
    );
    assert.equal(await Deno.readTextFile(authfile), original);

    const out = await podman.credentials.promises.logout(bed.authRegistry, { authfile })
      .catch((error: unknown) => error);
    assert.ok(out instanceof PodmanError, shown(out));
    assert.match(
      out.message,
      /its credHelpers keep them in "podrx-test", which logout does not erase\)$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- which file -----------------------------------------------------------------------------

Deno.test("login() and logout() use the file podman login uses: REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const credentials = {
      username: bed.authUser,
      password: bed.authPassword,
      tlsVerify: false,
    };
    const fromEnv = `${dir}/env/auth.json`;
    const runtime = `${dir}/runtime`;
    await Deno.mkdir(runtime);
    await withEnv({ REGISTRY_AUTH_FILE: fromEnv, XDG_RUNTIME_DIR: runtime }, async () => {
      const report = await podman.credentials.promises.login(bed.authRegistry, credentials);
      assert.equal(report.authfile, fromEnv);
    });
    await withEnv({ REGISTRY_AUTH_FILE: undefined, XDG_RUNTIME_DIR: runtime }, async () => {
      const report = await podman.credentials.promises.login(bed.authRegistry, credentials);
      assert.equal(report.authfile, `${runtime}/containers/auth.json`);
      const resolved = await resolveCredentials(bed.authRegistry);
      assert.ok(
        resolved?.username === bed.authUser && resolved.password === bed.authPassword,
        "resolveCredentials() does not find the login in the default file",
      );
      assert.equal(mode(await Deno.stat(`${runtime}/containers`)), 0o700);
      assert.deepEqual(
        (await podman.credentials.promises.logout(bed.authRegistry)).authfile,
        `${runtime}/containers/auth.json`,
      );
    });
    // Podman refuses an XDG_RUNTIME_DIR that does not exist, and so does login: nothing made.
    await withEnv({ REGISTRY_AUTH_FILE: undefined, XDG_RUNTIME_DIR: `${dir}/gone` }, async () => {
      const error = await podman.credentials.promises.login(bed.authRegistry, credentials)
        .catch((error: unknown) => error);
      assert.ok(error instanceof PodmanError, shown(error));
      assert.ok(/set by XDG_RUNTIME_DIR does not exist/.test(error.message), shown(error));
    });
    assert.deepEqual(await namesIn(dir), ["env", "runtime"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("login() writes the same file, with the same entry, as podman login given the same environment", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const ours = `${dir}/ours`;
    const theirs = `${dir}/theirs`;
    await Deno.mkdir(ours);
    await Deno.mkdir(theirs);
    await withEnv({ REGISTRY_AUTH_FILE: undefined, XDG_RUNTIME_DIR: ours }, async () => {
      await podman.credentials.promises.login(bed.tokenRegistry, {
        username: bed.tokenUser,
        password: bed.tokenPassword,
        tlsVerify: false,
      });
    });
    const env = Deno.env.toObject();
    delete env.REGISTRY_AUTH_FILE;
    const child = new Deno.Command(podmanProgram(), {
      args: [
        ...podmanStorageFlags(bed),
        "login",
        "--tls-verify=false",
        "--username",
        bed.tokenUser,
        "--password-stdin",
        bed.tokenRegistry,
      ],
      env: { ...env, ...podmanEnv(bed.registriesConf), XDG_RUNTIME_DIR: theirs },
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(bed.tokenPassword));
    await writer.close();
    const output = await child.output();
    assert.equal(output.code, 0, `podman login failed: ${new TextDecoder().decode(output.stderr)}`);

    const file = "containers/auth.json";
    const [mine, podmans] = [
      await readJson(`${ours}/${file}`),
      await readJson(`${theirs}/${file}`),
    ];
    assert.ok(
      JSON.stringify(mine) === JSON.stringify(podmans),
      "the files differ (contents not shown: they hold the password)",
    );
    assert.equal(
      mode(await Deno.stat(`${ours}/${file}`)),
      mode(await Deno.stat(`${theirs}/${file}`)),
    );
    assert.equal(
      mode(await Deno.stat(`${ours}/containers`)),
      mode(await Deno.stat(`${theirs}/containers`)),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- the operation contract -----------------------------------------------------------------

Deno.test("login() is cold, and bad arguments are TypeError or RangeError on subscribe, before anything is sent or written", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const authfile = `${dir}/auth.json`;
    const base = { username: bed.authUser, password: bed.authPassword, tlsVerify: false, authfile };
    // Calling does nothing: no request, no file.
    podman.credentials.login(bed.authRegistry, base);
    podman.credentials.logout(bed.authRegistry, { authfile });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await namesIn(dir), []);

    const cases: [string, unknown, object, typeof TypeError | typeof RangeError][] = [
      ["no password", bed.authRegistry, { ...base, password: undefined }, TypeError],
      ["no username", bed.authRegistry, { ...base, username: undefined }, TypeError],
      ["both secrets", bed.authRegistry, { ...base, identityToken: "t" }, TypeError],
      ["empty password", bed.authRegistry, { ...base, password: "" }, TypeError],
      ["a colon in the username", bed.authRegistry, { ...base, username: "a:b" }, RangeError],
      ["tlsVerify not boolean", bed.authRegistry, { ...base, tlsVerify: "no" }, TypeError],
      [
        "an http: authfile URL",
        bed.authRegistry,
        { ...base, authfile: new URL("http://x/") },
        RangeError,
      ],
      ["an empty registry", "", base, TypeError],
      ["a registry that is not a host", "not a host", base, RangeError],
      ["a tag", `${bed.authRegistry}/ns/app:1`, base, RangeError],
      ["a negative timeout", bed.authRegistry, { ...base, timeout: -1 }, RangeError],
    ];
    for (const [what, registry, options, kind] of cases) {
      const error = await podman.credentials.promises.login(registry as string, options as never)
        .catch((error: unknown) => error);
      assert.ok(error instanceof kind, `${what}: ${error}`);
      assertNoLeak(error, ALL_SECRETS);
    }
    await assert.rejects(
      podman.credentials.promises.logout({ all: false } as never, { authfile }),
      TypeError,
    );
    await assert.rejects(podman.credentials.promises.logout("", { authfile }), TypeError);
    assert.deepEqual(await namesIn(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("login() keeps a namespace's entry apart, an https:// URL stands for its host, and both are checked against the registry", async () => {
  const dir = await tempDir();
  try {
    await using podman = connect();
    const authfile = `${dir}/auth.json`;
    const options = {
      username: bed.authUser,
      password: bed.authPassword,
      tlsVerify: false,
      authfile,
    };
    const namespaced = await podman.credentials.promises.login(
      `${bed.authRegistry}/team/app`,
      options,
    );
    assert.equal(namespaced.registry, `${bed.authRegistry}/team/app`);
    const url = await podman.credentials.promises.login(`https://${bed.authRegistry}/v2/`, options);
    assert.equal(url.registry, bed.authRegistry);
    assert.deepEqual(
      Object.keys((await readJson(authfile)).auths as object),
      [`${bed.authRegistry}/team/app`, bed.authRegistry],
    );
    await assert.rejects(
      podman.credentials.promises.login(`${bed.authRegistry}/team`, { ...options, password: "no" }),
      APIError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("login() against a registry that never answers ends with a TimeoutError naming the registry, and an aborted signal ends it with its reason", async () => {
  const dir = await tempDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const connection of listener) held.push(connection);
  })();
  try {
    await using podman = connect();
    const host = `127.0.0.1:${listener.addr.port}`;
    const options = {
      username: bed.authUser,
      password: bed.authPassword,
      tlsVerify: false,
      authfile: `${dir}/auth.json`,
    };
    const error = await podman.credentials.promises.login(host, { ...options, timeout: 300 })
      .catch((error: unknown) => error);
    assert.ok(error instanceof TimeoutError, shown(error));
    assertNoLeak(error, ALL_SECRETS);
    assert.equal(
      error.message,
      `Cannot log in to "${host}": no answer from the registry within 300 ms`,
    );

    const reason = new Error("stop");
    const aborted = await podman.credentials.promises.login(host, {
      ...options,
      signal: AbortSignal.abort(reason),
    }).catch((error: unknown) => error);
    assert.equal(aborted, reason);
    assert.deepEqual(await namesIn(dir), []);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const connection of held) connection.close();
    await Deno.remove(dir, { recursive: true });
  }
});
