// authFiles() in its own Deno, with the environment and the flags a user's script would have.
import assert from "node:assert/strict";
import { Sandbox } from "./_sandbox.ts";

const ENV_FLAG =
  "--allow-env=HOME,XDG_RUNTIME_DIR,XDG_CONFIG_HOME,DOCKER_CONFIG,REGISTRY_AUTH_FILE";

Deno.test("authFiles() lists the runtime, config-home, Docker and legacy files in Podman's order", async () => {
  await Sandbox.with(async (sandbox) => {
    const result = await sandbox.run("authFiles()");
    const { runtime, config, docker, dockercfg } = sandbox.files;
    assert.deepEqual(result.value, [
      { path: runtime, legacy: false, explicit: false },
      { path: config, legacy: false, explicit: false },
      { path: docker, legacy: false, explicit: false },
      { path: dockercfg, legacy: true, explicit: false },
    ]);
  });
});

Deno.test("authFiles() takes DOCKER_CONFIG's config.json instead of ~/.docker/config.json", async () => {
  await Sandbox.with(async (sandbox) => {
    const result = await sandbox.run("authFiles().map((file) => file.path)", {
      env: { DOCKER_CONFIG: `${sandbox.dir}/docker` },
    });
    const { runtime, config, dockercfg } = sandbox.files;
    assert.deepEqual(result.value, [
      runtime,
      config,
      `${sandbox.dir}/docker/config.json`,
      dockercfg,
    ]);
  });
});

Deno.test("authFiles() falls back to /run/containers/$UID and ~/.config without the XDG variables", async () => {
  await Sandbox.with(async (sandbox) => {
    const env = { XDG_RUNTIME_DIR: undefined, XDG_CONFIG_HOME: undefined };
    const result = await sandbox.run("authFiles().map((file) => file.path)", {
      env,
      flags: [ENV_FLAG, "--allow-sys=uid"],
    });
    const { docker, dockercfg } = sandbox.files;
    assert.deepEqual(result.value, [
      `/run/containers/${Deno.uid()}/auth.json`,
      `${sandbox.home}/.config/containers/auth.json`,
      docker,
      dockercfg,
    ]);
    // Without --allow-sys=uid the per-uid file cannot be named: it is left out.
    const withoutUid = await sandbox.run("authFiles().map((file) => file.path)", {
      env,
      flags: [ENV_FLAG],
    });
    assert.deepEqual(withoutUid.value, [
      `${sandbox.home}/.config/containers/auth.json`,
      docker,
      dockercfg,
    ]);
  });
});

Deno.test("authFiles() reads REGISTRY_AUTH_FILE alone, and the authfile option wins over it", async () => {
  await Sandbox.with(async (sandbox) => {
    const named = `${sandbox.dir}/named.json`;
    const result = await sandbox.run("authFiles()", { env: { REGISTRY_AUTH_FILE: named } });
    assert.deepEqual(result.value, [{ path: named, legacy: false, explicit: true }]);
    const option = await sandbox.run(`authFiles({ authfile: "${sandbox.dir}/option.json" })`, {
      env: { REGISTRY_AUTH_FILE: named },
    });
    assert.deepEqual(option.value, [
      { path: `${sandbox.dir}/option.json`, legacy: false, explicit: true },
    ]);
  });
});

Deno.test("authFiles() treats a variable it may not read as unset", async () => {
  await Sandbox.with(async (sandbox) => {
    const { runtime, config, docker, dockercfg } = sandbox.files;
    // No --allow-env for REGISTRY_AUTH_FILE: the default files, as if it were not set.
    const withoutAuthFile = await sandbox.run("authFiles().map((file) => file.path)", {
      env: { REGISTRY_AUTH_FILE: `${sandbox.dir}/named.json` },
      flags: ["--allow-env=HOME,XDG_RUNTIME_DIR,XDG_CONFIG_HOME,DOCKER_CONFIG"],
    });
    assert.deepEqual(withoutAuthFile.value, [runtime, config, docker, dockercfg]);
    // No --allow-env for XDG_CONFIG_HOME: ~/.config, as without the variable.
    const withoutConfigHome = await sandbox.run("authFiles().map((file) => file.path)", {
      flags: ["--allow-env=HOME,XDG_RUNTIME_DIR"],
    });
    assert.deepEqual(withoutConfigHome.value, [
      runtime,
      `${sandbox.home}/.config/containers/auth.json`,
      docker,
      dockercfg,
    ]);
    // No --allow-env at all: no HOME, no runtime dir, no uid: nothing to read.
    const withoutEnv = await sandbox.run("authFiles()", { flags: [] });
    assert.deepEqual(withoutEnv.value, []);
  });
});
