// resolveCredentials() asking real credential helpers: shell scripts named
// docker-credential-NAME in a directory first on PATH, run by the resolver in its own Deno.
// Each helper logs what it was asked, so a test can tell a helper asked from one left alone.
import assert from "node:assert/strict";
import { fingerprint, type RunResult, Sandbox } from "./_sandbox.ts";

const REG = "registry.example.com";
const ACTION = `Cannot resolve credentials for "${REG}/app"`;
const GET = `resolveCredentials("${REG}/app")`;

function failure(result: RunResult): string {
  assert.equal(result.ok, false, "the run should have failed");
  assert.equal(result.error?.podman, true, result.error?.name);
  return result.error!.message;
}

Deno.test("resolveCredentials() asks the credHelpers helper with the registry on stdin", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.helper("podrxtest", { [REG]: { Username: "ada", Secret: "helper-secret" } });
    await sandbox.write(sandbox.files.docker, { credHelpers: { [REG]: "podrxtest" } });
    const result = await sandbox.run(GET);
    assert.deepEqual(result.value, {
      username: "ada",
      password: await fingerprint("helper-secret"),
      serverAddress: REG,
    });
    assert.deepEqual(await sandbox.helperCalls(), [`get ${REG}`]);
    assert.match(result.inspect, /password: "<redacted>"/);
  });
});

Deno.test("resolveCredentials() reads a <token> user name as an identity token", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.helper("podrxtest", { [REG]: { Username: "<token>", Secret: "refresh-token" } });
    await sandbox.write(sandbox.files.docker, { credHelpers: { [REG]: "podrxtest" } });
    const result = await sandbox.run(GET);
    assert.deepEqual(result.value, {
      identityToken: await fingerprint("refresh-token"),
      serverAddress: REG,
    });
    assert.match(result.inspect, /identityToken: "<redacted>"/);
  });
});

Deno.test("resolveCredentials() asks credHelpers before auths, in its file and the later ones; auths answer when it has nothing", async () => {
  await Sandbox.with(async (sandbox) => {
    // a and b: helper and auths in one file; c and d: the helper in an earlier file.
    const [a, b, c, d] = ["a", "b", "c", "d"].map((name) => `${name}.example.com`) as [
      string,
      string,
      string,
      string,
    ];
    await sandbox.helper("podrxtest", {
      [a]: { Username: "helper-a", Secret: "pw-helper-a" },
      [c]: { Username: "helper-c", Secret: "pw-helper-c" },
    });
    await sandbox.write(sandbox.files.config, {
      credHelpers: { [c]: "podrxtest", [d]: "podrxtest" },
    });
    await sandbox.write(sandbox.files.docker, {
      credHelpers: { [a]: "podrxtest", [b]: "podrxtest" },
      auths: Object.fromEntries(
        [a, b, c, d].map((
          registry,
        ) => [registry, sandbox.auth(`auths-${registry}`, `pw-${registry}`)]),
      ),
    });
    assert.deepEqual(await sandbox.users([a, b, c, d].map((registry) => `${registry}/app`)), [
      "helper-a",
      `auths-${b}`,
      "helper-c",
      `auths-${d}`,
    ]);
  });
});

Deno.test("resolveCredentials() asks credsStore for a registry auths marks, with the marker's key", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.helper("podrxstore", {
      [REG]: { Username: "store", Secret: "pw-store" },
      "https://index.docker.io/v1/": { Username: "hub-store", Secret: "pw-hub-store" },
    });
    await sandbox.helper("podrxtest", { "quay.io": { Username: "quay-helper", Secret: "pw-q" } });
    await sandbox.write(sandbox.files.docker, {
      credsStore: "podrxstore",
      credHelpers: { "quay.io": "podrxtest" },
      auths: { [REG]: {}, "https://index.docker.io/v1/": {}, "quay.io": {} },
    });
    const targets = [
      `${REG}/app`,
      "docker.io/library/busybox",
      "quay.io/a/b",
      "unmarked.example.com/app",
    ];
    assert.deepEqual(await sandbox.users(targets), ["store", "hub-store", "quay-helper", null]);
    // The store is not asked for a registry it has no marker for, nor for one credHelpers names.
    assert.deepEqual(
      (await sandbox.helperCalls()).sort(),
      [`get ${REG}`, "get https://index.docker.io/v1/", "get quay.io"].sort(),
    );
  });
});

Deno.test("resolveCredentials() names a helper that fails, never what it printed", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.brokenHelper("podrxfail", "fails");
    await sandbox.write(sandbox.files.docker, { credHelpers: { [REG]: "podrxfail" } });
    const result = await sandbox.run(GET);
    assert.equal(
      failure(result),
      `${ACTION}: the credential helper docker-credential-podrxfail exited with code 3`,
    );
    assert.deepEqual(await sandbox.helperCalls(), ["get"]);
  });
});

Deno.test("resolveCredentials() names a helper that answers with no JSON credentials", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.brokenHelper("podrxbadjson", "bad json");
    await sandbox.write(sandbox.files.docker, { credHelpers: { [REG]: "podrxbadjson" } });
    assert.equal(
      failure(await sandbox.run(GET)),
      `${ACTION}: the credential helper docker-credential-podrxbadjson did not answer with JSON ` +
        "credentials",
    );
  });
});

Deno.test("resolveCredentials() names a helper that is not on PATH, and the file that named it", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.write(sandbox.files.docker, { credHelpers: { [REG]: "podrxmissing" } });
    for (const flags of [sandbox.defaultFlags(), [...sandbox.defaultFlags(), "--allow-run"]]) {
      assert.equal(
        failure(await sandbox.run(GET, { flags })),
        `${ACTION}: the credential helper docker-credential-podrxmissing (named in ` +
          `"credHelpers" of ${sandbox.files.docker}) is not on PATH`,
      );
    }
  });
});

Deno.test("resolveCredentials() needs --allow-run for the helper's own program, and says so", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.helper("podrxtest", { [REG]: { Username: "ada", Secret: "pw-never-read" } });
    await sandbox.helper("podrxother", {});
    await sandbox.write(sandbox.files.docker, { credHelpers: { [REG]: "podrxtest" } });
    const read = [`--allow-read=${sandbox.dir}`, "--allow-env"];
    const message = `${ACTION}: running the credential helper docker-credential-podrxtest needs ` +
      "--allow-run=docker-credential-podrxtest";
    assert.equal(failure(await sandbox.run(GET, { flags: read })), message);
    const otherOnly = [...read, "--allow-run=docker-credential-podrxother"];
    assert.equal(failure(await sandbox.run(GET, { flags: otherOnly })), message);
    assert.deepEqual(await sandbox.helperCalls(), []);
    const itsOwn = await sandbox.run(GET, {
      flags: [...read, "--allow-run=docker-credential-podrxtest"],
    });
    assert.equal((itsOwn.value as { username: string }).username, "ada");
    // A lookup that never reaches the helper needs no --allow-run.
    await sandbox.write(sandbox.files.config, { auths: { [REG]: sandbox.auth("first", "pw-f") } });
    const earlier = await sandbox.run(GET, { flags: read });
    assert.equal((earlier.value as { username: string }).username, "first");
  });
});

Deno.test("resolveCredentials() refuses a helper name that is a path, before running anything", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.helper("podrxtest", {});
    await sandbox.write(sandbox.files.docker, {
      credHelpers: { [REG]: "../bin/docker-credential-podrxtest" },
    });
    assert.equal(
      failure(await sandbox.run(GET, { flags: [...sandbox.defaultFlags(), "--allow-run"] })),
      `${ACTION}: "credHelpers" of ${sandbox.files.docker} names the credential helper ` +
        `"../bin/docker-credential-podrxtest", which is not a helper name`,
    );
    assert.deepEqual(await sandbox.helperCalls(), []);
  });
});

Deno.test("resolveCredentials() stops a helper that hangs when its signal aborts", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.brokenHelper("podrxhang", "hangs");
    await sandbox.write(sandbox.files.docker, { credHelpers: { [REG]: "podrxhang" } });
    const result = await sandbox.run(
      `(async () => {
        const started = Date.now();
        const error = await resolveCredentials("${REG}/app", { signal: AbortSignal.timeout(300) })
          .catch((error) => error);
        return { name: error.name, stoppedWithin10s: Date.now() - started < 10_000 };
      })()`,
    );
    assert.deepEqual(result.value, { name: "TimeoutError", stoppedWithin10s: true });
  });
});
