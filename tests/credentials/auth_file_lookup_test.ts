// resolveCredentials() over real auth files, in its own Deno with a controlled environment and
// flags: which file wins, which key in it, and what happens to a file that may not be read or
// cannot be parsed. Every run's output is checked for the files' secrets (see _sandbox.ts).
import assert from "node:assert/strict";
import { fingerprint, type RunResult, Sandbox } from "./_sandbox.ts";

const REG = "registry.example.com";

/** The resolved user name, or the run's error. */
function userOf(result: RunResult): string | undefined {
  assert.ok(result.ok, `the run failed: ${result.error?.message}`);
  return (result.value as { username?: string } | null)?.username;
}

function resolve(target: string, options = ""): string {
  return `resolveCredentials(${JSON.stringify(target)}${options ? `, ${options}` : ""})`;
}

Deno.test("resolveCredentials() reads each default file on its own, with its password", async () => {
  await Sandbox.with(async (sandbox) => {
    const { runtime, config, docker, dockercfg } = sandbox.files;
    for (const [place, path] of Object.entries({ runtime, config, docker })) {
      await sandbox.write(path, { auths: { [REG]: sandbox.auth(`user-${place}`, `pw-${place}`) } });
      const result = await sandbox.run(resolve(`${REG}/team/app:1`));
      assert.deepEqual(result.value, {
        username: `user-${place}`,
        password: await fingerprint(`pw-${place}`),
        serverAddress: REG,
      });
      await Deno.remove(path);
    }
    // The legacy file: registries at the top level, keyed by URL, with an e-mail.
    await sandbox.write(dockercfg, {
      [`https://${REG}/v1/`]: { ...sandbox.auth("user-legacy", "pw-legacy"), email: "a@b.c" },
    });
    const legacy = await sandbox.run(resolve(`${REG}/team/app:1`));
    assert.deepEqual(legacy.value, {
      username: "user-legacy",
      password: await fingerprint("pw-legacy"),
      serverAddress: REG,
      email: "a@b.c",
    });
  });
});

Deno.test("resolveCredentials() takes the first file in order that has the registry", async () => {
  await Sandbox.with(async (sandbox) => {
    const order = ["runtime", "config", "docker", "dockercfg"] as const;
    for (const place of order) {
      const entry = sandbox.auth(`user-${place}`, `pw-${place}`);
      await sandbox.write(
        sandbox.files[place],
        place === "dockercfg" ? { [REG]: entry } : { auths: { [REG]: entry } },
      );
    }
    for (const place of order) {
      assert.equal(userOf(await sandbox.run(resolve(`${REG}/app`))), `user-${place}`);
      await Deno.remove(sandbox.files[place]);
    }
    assert.equal((await sandbox.run(resolve(`${REG}/app`))).value, null);
  });
});

Deno.test("resolveCredentials() reads DOCKER_CONFIG's config.json and not ~/.docker's then", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.write(sandbox.files.docker, { auths: { [REG]: sandbox.auth("home", "pw-h") } });
    const dockerConfig = `${sandbox.dir}/docker-config`;
    await sandbox.write(`${dockerConfig}/config.json`, {
      auths: { [REG]: sandbox.auth("docker-config", "pw-d") },
    });
    const env = { DOCKER_CONFIG: dockerConfig };
    assert.equal(userOf(await sandbox.run(resolve(`${REG}/app`), { env })), "docker-config");
    await Deno.remove(`${dockerConfig}/config.json`);
    assert.equal((await sandbox.run(resolve(`${REG}/app`), { env })).value, null);
  });
});

Deno.test("resolveCredentials() goes past a file with other registries and past empty markers", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.write(sandbox.files.runtime, {
      auths: { "other.example.com": sandbox.auth("other", "pw-o"), [REG]: {} },
    });
    await sandbox.write(sandbox.files.config, { auths: { [REG]: null } });
    await sandbox.write(sandbox.files.docker, { auths: { [REG]: sandbox.auth("docker", "pw-d") } });
    assert.equal(userOf(await sandbox.run(resolve(`${REG}/app`))), "docker");
  });
});

Deno.test("resolveCredentials() matches by namespace, most specific key first", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.write(sandbox.files.config, {
      auths: {
        [REG]: sandbox.auth("registry", "pw-r"),
        [`${REG}/team`]: sandbox.auth("namespace", "pw-n"),
        [`${REG}/team/app`]: sandbox.auth("repository", "pw-a"),
        [`${REG}/team/app/sub`]: sandbox.auth("deeper", "pw-s"),
      },
    });
    const expected: Record<string, string> = {
      [`${REG}/team/app:1`]: "repository",
      [`${REG}/team/app@sha256:${"a".repeat(64)}`]: "repository",
      [`${REG}/team/other`]: "namespace",
      [`${REG}/team`]: "namespace",
      [`${REG}/elsewhere/app`]: "registry",
      [`${REG}/team/application`]: "namespace",
      [REG]: "registry",
    };
    const targets = Object.keys(expected);
    assert.deepEqual(await sandbox.users(targets), Object.values(expected));
  });
});

Deno.test("resolveCredentials() lets an earlier file's registry key win over a later file's repository key", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.write(sandbox.files.runtime, { auths: { [REG]: sandbox.auth("early", "pw-e") } });
    await sandbox.write(sandbox.files.config, {
      auths: { [`${REG}/team/app`]: sandbox.auth("late", "pw-l") },
    });
    assert.equal(userOf(await sandbox.run(resolve(`${REG}/team/app`))), "early");
  });
});

Deno.test("resolveCredentials() reads REGISTRY_AUTH_FILE alone, and the authfile option instead of it", async () => {
  await Sandbox.with(async (sandbox) => {
    for (const path of Object.values(sandbox.files).slice(0, 3)) {
      await sandbox.write(path, { auths: { [REG]: sandbox.auth("default", "pw-default") } });
    }
    const named = await sandbox.write(`${sandbox.dir}/named.json`, {
      auths: { "other.example.com": sandbox.auth("named", "pw-named") },
    });
    const env = { REGISTRY_AUTH_FILE: named };
    // The named file has nothing for REG, and the default files are not read.
    assert.equal((await sandbox.run(resolve(`${REG}/app`), { env })).value, null);
    assert.equal(userOf(await sandbox.run(resolve("other.example.com/app"), { env })), "named");
    const option = await sandbox.write(`${sandbox.dir}/option.json`, {
      auths: { [REG]: sandbox.auth("option", "pw-option") },
    });
    const result = await sandbox.run(resolve(`${REG}/app`, `{ authfile: "${option}" }`), { env });
    assert.equal(userOf(result), "option");
  });
});

Deno.test("resolveCredentials() fails when the named auth file is missing or may not be read", async () => {
  await Sandbox.with(async (sandbox) => {
    const missing = `${sandbox.dir}/missing.json`;
    for (
      const run of [
        () => sandbox.run(resolve(`${REG}/app`), { env: { REGISTRY_AUTH_FILE: missing } }),
        () => sandbox.run(resolve(`${REG}/app`, `{ authfile: "${missing}" }`)),
      ]
    ) {
      const result = await run();
      assert.equal(result.ok, false);
      assert.equal(result.error?.podman, true);
      assert.equal(
        result.error?.message,
        `Cannot resolve credentials for "${REG}/app": the auth file ${missing} does not exist`,
      );
    }
    const named = await sandbox.write(`${sandbox.dir}/named.json`, {
      auths: { [REG]: sandbox.auth("named", "pw-named") },
    });
    const result = await sandbox.run(resolve(`${REG}/app`), {
      env: { REGISTRY_AUTH_FILE: named },
      flags: ["--allow-env"],
    });
    assert.equal(
      result.error?.message,
      `Cannot resolve credentials for "${REG}/app": reading the auth file ${named} needs ` +
        `--allow-read=${named}`,
    );
  });
});

Deno.test("resolveCredentials() matches Docker Hub under each key form Docker and Podman write", async () => {
  await Sandbox.with(async (sandbox) => {
    const targets = [
      "docker.io/library/busybox:1",
      "docker.io/busybox",
      "index.docker.io/library/busybox",
      "docker.io/ada/app",
      "docker.io",
    ];
    for (
      const key of [
        "https://index.docker.io/v1/",
        "docker.io",
        "index.docker.io",
        "registry-1.docker.io",
      ]
    ) {
      await sandbox.write(sandbox.files.docker, {
        auths: { [key]: sandbox.auth(`user of ${key.replace(":", "")}`, `pw-${key}`) },
      });
      const user = `user of ${key.replace(":", "")}`;
      // A name without a registry is resolved by the server's search list, not by podrx.
      assert.deepEqual(
        await sandbox.users([...targets, "busybox"]),
        [...targets.map(() => user), null],
        key,
      );
      const result = await sandbox.run(resolve("docker.io/busybox"));
      assert.equal((result.value as { serverAddress: string }).serverAddress, "docker.io");
    }
    // Podman's namespaced keys: library/ is where one-component names live.
    await sandbox.write(sandbox.files.docker, {
      auths: {
        "docker.io": sandbox.auth("hub", "pw-hub"),
        "docker.io/library": sandbox.auth("official", "pw-official"),
      },
    });
    assert.deepEqual(await sandbox.users(["docker.io/busybox", "docker.io/ada/app"]), [
      "official",
      "hub",
    ]);
  });
});

Deno.test("resolveCredentials() matches a URL key by its host, and a registry with a port", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.write(sandbox.files.docker, {
      auths: {
        "https://registry.example.com/v2/": sandbox.auth("url", "pw-url"),
        "localhost:5000": sandbox.auth("port", "pw-port"),
        "http://[::1]:5000": sandbox.auth("ipv6", "pw-ipv6"),
      },
    });
    const targets = [`${REG}/team/app`, "localhost:5000/app:2", "localhost:5000", "[::1]:5000/app"];
    assert.deepEqual(await sandbox.users([...targets, "localhost:5001/app"]), [
      "url",
      "port",
      "port",
      "ipv6",
      null,
    ]);
  });
});

Deno.test("resolveCredentials() returns an entry's identity token", async () => {
  await Sandbox.with(async (sandbox) => {
    const token = sandbox.secret("identity-token-from-file");
    await sandbox.write(sandbox.files.config, {
      auths: { [REG]: { ...sandbox.auth("ada", ""), identitytoken: token } },
    });
    const result = await sandbox.run(resolve(`${REG}/app`));
    assert.deepEqual(result.value, {
      username: "ada",
      identityToken: await fingerprint(token),
      serverAddress: REG,
    });
    assert.match(result.inspect, /identityToken: "<redacted>"/);
  });
});

Deno.test("resolveCredentials() skips a file it may not read, and reads a variable it may not read as unset", async () => {
  await Sandbox.with(async (sandbox) => {
    const { runtime, config, docker } = sandbox.files;
    // Malformed too: had it been read, the run would fail.
    await sandbox.write(
      runtime,
      `{"auths": {"${REG}": ${JSON.stringify(sandbox.auth("x", "pw-x"))}`,
    );
    await sandbox.write(config, { auths: { [REG]: sandbox.auth("config", "pw-c") } });
    await sandbox.write(docker, { auths: { [REG]: sandbox.auth("docker", "pw-d") } });
    const env = "--allow-env";
    const withoutRuntime = await sandbox.run(resolve(`${REG}/app`), {
      flags: [env, `--allow-read=${config},${docker}`],
    });
    assert.equal(userOf(withoutRuntime), "config");
    const withoutEither = await sandbox.run(resolve(`${REG}/app`), {
      flags: [env, `--allow-read=${docker}`],
    });
    assert.equal(userOf(withoutEither), "docker");
    // No --allow-env for XDG_CONFIG_HOME: ~/.config's file, not the variable's, is read.
    await sandbox.write(`${sandbox.home}/.config/containers/auth.json`, {
      auths: { [REG]: sandbox.auth("dot-config", "pw-dc") },
    });
    const withoutVariable = await sandbox.run(resolve(`${REG}/app`), {
      flags: ["--allow-env=HOME,XDG_RUNTIME_DIR", `--allow-read=${sandbox.home},${config}`],
    });
    assert.equal(userOf(withoutVariable), "dot-config");
    // No flags at all: nothing is found, and nothing fails.
    const withoutAny = await sandbox.run(resolve(`${REG}/app`), { flags: [] });
    assert.deepEqual([withoutAny.ok, withoutAny.value], [true, null]);
  });
});

Deno.test("resolveCredentials() names a malformed file and the problem, never its contents", async () => {
  await Sandbox.with(async (sandbox) => {
    const { config } = sandbox.files;
    const entry = JSON.stringify(sandbox.auth("ada", "pw-in-broken-file"));
    const action = `Cannot resolve credentials for "${REG}/app"`;
    const cases: [string, string][] = [
      [
        `{"auths": {"${REG}": ${entry}`,
        `the auth file ${config} is not valid JSON (line 1 column `,
      ],
      [
        `{"auths": {"${REG}": ${entry}, x}}`,
        `the auth file ${config} is not valid JSON (line 1 column `,
      ],
      [sandbox.secret("secret-word-at-start"), `the auth file ${config} is not valid JSON`],
      [JSON.stringify(entry), `the auth file ${config} does not hold a JSON object`],
      [JSON.stringify([entry]), `the auth file ${config} does not hold a JSON object`],
      [
        JSON.stringify({ auths: [entry] }),
        `the auth file ${config} has an "auths" that is not an object`,
      ],
      [
        JSON.stringify({ auths: { [REG]: { auth: 42, identitytoken: entry } } }),
        `the auth file ${config} has an entry "${REG}" whose "auth" is not a string`,
      ],
      [
        JSON.stringify({ auths: { [REG]: { auth: sandbox.secret("not base64 pw!") } } }),
        `the auth file ${config} has an entry "${REG}" whose "auth" is not base64`,
      ],
      [
        JSON.stringify({ auths: { [REG]: { auth: sandbox.secret(btoa("no-colon-pw")) } } }),
        `the auth file ${config} has an entry "${REG}" whose "auth" is not base64 of "user:password"`,
      ],
      [
        JSON.stringify({ auths: {}, credHelpers: { [REG]: 7 } }),
        `the auth file ${config} has a "credHelpers" entry "${REG}" that is not a string`,
      ],
      [
        JSON.stringify({ credsStore: {} }),
        `the auth file ${config} has a "credsStore" that is not a string`,
      ],
    ];
    for (const [text, problem] of cases) {
      await sandbox.write(config, text);
      const result = await sandbox.run(resolve(`${REG}/app`));
      assert.equal(result.ok, false, text);
      assert.equal(result.error?.podman, true);
      assert.ok(
        result.error?.message.startsWith(`${action}: ${problem}`),
        `${result.error?.message} should start with ${problem}`,
      );
    }
  });
});

Deno.test("resolveCredentials() rejects a malformed reference as an argument error", async () => {
  await Sandbox.with(async (sandbox) => {
    const result = await sandbox.run(resolve("Registry.example.com/UPPER"));
    assert.equal(result.error?.name, "RangeError");
    const empty = await sandbox.run(resolve(""));
    assert.equal(empty.error?.name, "TypeError");
  });
});

Deno.test("resolveCredentials()'s result shows no secret in console.log or Deno.inspect", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.write(sandbox.files.config, {
      auths: { [REG]: sandbox.auth("ada", "pw-shown-nowhere") },
    });
    const result = await sandbox.run(resolve(`${REG}/app`));
    assert.equal(
      result.inspect.replace(/\s+/g, " "),
      `AuthConfig { username: "ada", password: "<redacted>", serverAddress: "${REG}" }`,
    );
    assert.ok(result.stdout.startsWith(`${result.inspect}\n`), result.stdout);
  });
});
