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

Deno.test("resolveCredentials() asks credHelpers before auths, and uses auths when the helper has nothing", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.helper("podrxtest", {
      [REG]: { Username: "from-helper", Secret: "pw-helper" },
      "other.example.com": "not found",
    });
    await sandbox.write(sandbox.files.docker, {
      credHelpers: { [REG]: "podrxtest", "other.example.com": "podrxtest" },
      auths: {
        [REG]: sandbox.auth("from-auths", "pw-auths"),
        "other.example.com": sandbox.auth("other-auths", "pw-other"),
      },
    });
    const result = await sandbox.run(
      `Promise.all([resolveCredentials("${REG}/app"), resolveCredentials("other.example.com/app")])`,
    );
    const users = (result.value as { username: string }[]).map((auth) => auth.username);
    assert.deepEqual(users, ["from-helper", "other-auths"]);
  });
});

Deno.test("resolveCredentials() lets an earlier file's helper win over a later file's auths, and goes on when it has nothing", async () => {
  await Sandbox.with(async (sandbox) => {
    await sandbox.helper("podrxtest", { [REG]: { Username: "helper", Secret: "pw-helper" } });
    await sandbox.write(sandbox.files.config, {
      credHelpers: { [REG]: "podrxtest", "other.example.com": "podrxtest" },
    });
    await sandbox.write(sandbox.files.docker, {
      auths: {
        [REG]: sandbox.auth("docker", "pw-docker"),
        "other.example.com": sandbox.auth("docker-other", "pw-docker-other"),
      },
    });
    const result = await sandbox.run(
      `Promise.all([resolveCredentials("${REG}/app"), resolveCredentials("other.example.com/app")])`,
    );
    const users = (result.value as { username: string }[]).map((auth) => auth.username);
    assert.deepEqual(users, ["helper", "docker-other"]);
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
    const result = await sandbox.run(
      `Promise.all(["${REG}/app", "docker.io/library/busybox", "quay.io/a/b", "unmarked.example.com/app"]` +
        `.map((target) => resolveCredentials(target)))`,
    );
    const users = (result.value as ({ username: string } | null)[]).map((auth) => auth?.username);
    assert.deepEqual(users, ["store", "hub-store", "quay-helper", undefined]);
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
