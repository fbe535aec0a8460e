// resolveAllCredentials(), what a build sends as X-Registry-Config: every auths key and every
// credHelpers registry of every file, each resolved as a pull would resolve it.
import assert from "node:assert/strict";
import { fingerprint, Sandbox } from "./_sandbox.ts";

const ALL = "resolveAllCredentials()";

Deno.test("resolveAllCredentials() keys every file's entries as Podman reads X-Registry-Config", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.helper("podrxtest", {
      "gcr.io": { Username: "oauth2accesstoken", Secret: "gcr-token" },
      "eu.gcr.io": "not found",
    });
    await sandbox.helper("podrxstore", {
      "https://store.example.com": { Username: "store", Secret: "pw-store" },
    });
    await sandbox.write(sandbox.files.config, {
      auths: {
        "registry.example.com": sandbox.auth("config", "pw-config"),
        "registry.example.com/team": sandbox.auth("config-team", "pw-config-team"),
      },
    });
    await sandbox.write(sandbox.files.docker, {
      credsStore: "podrxstore",
      credHelpers: { "gcr.io": "podrxtest", "eu.gcr.io": "podrxtest" },
      auths: {
        "https://index.docker.io/v1/": sandbox.auth("hub", "pw-hub"),
        // The config-home file has this registry already: that one wins.
        "registry.example.com": sandbox.auth("docker", "pw-docker"),
        "https://store.example.com": {},
        "https://old.example.com/v1/": sandbox.auth("old", "pw-old"),
      },
    });
    await sandbox.write(sandbox.files.dockercfg, {
      "https://legacy.example.com/v1/": sandbox.auth("legacy", "pw-legacy"),
    });
    const result = await sandbox.run(ALL);
    assert.ok(result.ok, result.error?.message);
    const users = Object.fromEntries(
      Object.entries(result.value as Record<string, { username?: string }>)
        .map(([key, auth]) => [key, auth.username]),
    );
    assert.deepEqual(users, {
      "registry.example.com": "config",
      "registry.example.com/team": "config-team",
      "gcr.io": "oauth2accesstoken",
      "docker.io": "hub",
      "store.example.com": "store",
      "old.example.com": "old",
      "legacy.example.com": "legacy",
    });
    const all = result.value as Record<string, Record<string, string>>;
    assert.deepEqual(all["registry.example.com/team"], {
      username: "config-team",
      password: await fingerprint("pw-config-team"),
      serverAddress: "registry.example.com",
    });
    assert.equal(all["docker.io"]?.serverAddress, "docker.io");
    assert.equal(all["gcr.io"]?.password, await fingerprint("gcr-token"));
    // Each helper once per registry; the store for each registry its file's auths has (it
    // has nothing for two of them, whose entries then answer), with the key as written.
    assert.deepEqual((await sandbox.helperCalls()).sort(), [
      "get eu.gcr.io",
      "get gcr.io",
      "get https://index.docker.io/v1/",
      "get https://old.example.com/v1/",
      "get https://store.example.com",
    ]);
    assert.equal(result.inspect.match(/password: "<redacted>"/g)?.length, 7);
  });
});

Deno.test("resolveAllCredentials() reads REGISTRY_AUTH_FILE alone, and is empty with nothing to read", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.write(sandbox.files.docker, {
      auths: { "registry.example.com": sandbox.auth("docker", "pw-docker") },
    });
    const named = await sandbox.write(`${sandbox.dir}/named.json`, {
      auths: { "quay.io/team": sandbox.auth("named", "pw-named") },
    });
    const result = await sandbox.run(ALL, { env: { REGISTRY_AUTH_FILE: named } });
    assert.deepEqual(Object.keys(result.value as object), ["quay.io/team"]);
    const none = await sandbox.run(ALL, { flags: [] });
    assert.deepEqual(none.value, {});
  });
});

Deno.test("resolveAllCredentials() fails on a helper that fails, naming it", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.brokenHelper("podrxfail", "fails");
    await sandbox.write(sandbox.files.docker, {
      credHelpers: { "registry.example.com": "podrxfail" },
      auths: { "quay.io": sandbox.auth("quay", "pw-quay") },
    });
    const result = await sandbox.run(ALL);
    assert.equal(result.ok, false);
    assert.equal(
      result.error?.message,
      "Cannot resolve registry credentials: the credential helper docker-credential-podrxfail " +
        "exited with code 3",
    );
  });
});

Deno.test("resolveAllCredentials() fails on a malformed file even when another file has entries", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.write(sandbox.files.config, {
      auths: { "quay.io": sandbox.auth("quay", "pw-quay") },
    });
    await sandbox.write(sandbox.files.dockercfg, `{"https://index.docker.io/v1/": `);
    const result = await sandbox.run(ALL);
    assert.equal(
      result.error?.message,
      `Cannot resolve registry credentials: the auth file ${sandbox.files.dockercfg} is not ` +
        "valid JSON (it ends too early)",
    );
  });
});
