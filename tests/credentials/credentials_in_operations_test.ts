// The user's own credentials (what `podman login` wrote, a credential helper) reach every
// operation that talks to a registry, against the bed's service, which has none of its own:
// without them each of these fails with "authentication required" (see pull_push_test).
import assert from "node:assert/strict";
import { lastValueFrom, toArray } from "rxjs";
import { APIError, PodmanClient } from "../../mod.ts";
import { podmanCli, podmanProgram, testBed } from "../bed/env.ts";
import { serverAtLeast } from "../bed/server_version.ts";
import { podmanOk, uniqueName } from "../images/_fixtures.ts";

const bed = testBed();
const basic = btoa(`${bed.authUser}:${bed.authPassword}`);
const SECRETS = [bed.authPassword, basic];

function client(options: ConstructorParameters<typeof PodmanClient>[0] = {}): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}`, ...options });
}

/** An auth file as `podman login --authfile` writes it, made by the real `podman login`. */
async function podmanLogin(dir: string): Promise<string> {
  const authfile = `${dir}/auth.json`;
  const result = await podmanCli([
    "login",
    "--authfile",
    authfile,
    "--tls-verify=false",
    "--username",
    bed.authUser,
    "--password",
    bed.authPassword,
    bed.authRegistry,
  ]);
  assert.equal(result.code, 0, "podman login failed");
  return authfile;
}

/** Pushes the seeded busybox to the auth registry as `name` (explicit credentials). */
async function privateImage(name: string): Promise<void> {
  await using podman = client({ credentials: false });
  await podmanOk(["tag", bed.busyboxImage, name]);
  try {
    await lastValueFrom(podman.images.push(name, {
      tlsVerify: false,
      authConfig: { username: bed.authUser, password: bed.authPassword },
    }));
  } finally {
    await podmanOk(["untag", bed.busyboxImage, name]);
  }
}

function leaked(text: string): string[] {
  return SECRETS.filter((secret) => text.includes(secret));
}

Deno.test("a script after `podman login` pushes, pulls, reads registry data and builds FROM a private base without credentials in code", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-creds-" });
  const base = `${bed.authRegistry}/podrx/${uniqueName("private-base")}:1`;
  const target = `${bed.authRegistry}/podrx/${uniqueName("app")}:1`;
  try {
    const authfile = await podmanLogin(dir);
    await privateImage(base);
    const artifacts = await serverAtLeast(5, 6);
    await Deno.writeTextFile(`${dir}/Containerfile`, `FROM ${base}\nLABEL podrx.creds=1\n`);
    const script = `
      import { PodmanClient } from "${new URL("../../mod.ts", import.meta.url).href}";
      import { lastValueFrom, toArray } from "rxjs";
      await using podman = new PodmanClient({ baseUrl: "unix://${bed.socketPath}" });
      const { image } = await podman.images.promises.build({ path: "${dir}", tag: "${target}" });
      console.log("built", image.id);
      const pushed = await podman.images.promises.push("${target}", { tlsVerify: false });
      console.log("pushed", pushed.destination);
      await podman.images.promises.remove("${target}");
      const pulled = await podman.images.promises.pull("${target}", { tlsVerify: false });
      console.log("pulled", pulled.id);
      const data = await podman.images.promises.getRegistryData("${target}", { tlsVerify: false });
      console.log("registry data", data.id);
      if (${artifacts}) {
        const name = "${target.replace(/:1$/, "-artifact:1")}";
        await podman.artifacts.promises.add(name, { fileName: "f", data: new Uint8Array(8) });
        await podman.artifacts.promises.push(name, { tlsVerify: false });
        await podman.artifacts.promises.remove(name);
        const artifact = await podman.artifacts.promises.pull(name, { tlsVerify: false });
        console.log("artifact", artifact.files.length);
        await podman.artifacts.promises.remove(name);
      }
    `;
    await Deno.writeTextFile(`${dir}/script.ts`, script);
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        `${dir}/script.ts`,
      ],
      env: { REGISTRY_AUTH_FILE: authfile, NO_COLOR: "1" },
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.deepEqual(leaked(stdout + stderr), [], "a secret in the script's output");
    assert.equal(output.code, 0, `script failed:\n${stdout}\n${stderr}`);
    const built = /^built (?:sha256:)?([0-9a-f]{64})$/m.exec(stdout)?.[1];
    assert.ok(built, stdout);
    assert.match(stdout, new RegExp(`^pushed ${target.replaceAll(".", "\\.")}$`, "m"));
    assert.match(stdout, new RegExp(`^pulled (?:sha256:)?${built}$`, "m"));
    assert.match(stdout, /^registry data \S+$/m);
    if (artifacts) assert.match(stdout, /^artifact 1$/m);
  } finally {
    // The build pulled the base: its name is one more tag on the seeded busybox, which other
    // tests expect to have one name only.
    await podmanCli(["rmi", "--ignore", target, base]);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("credentials: false sends none, and an explicit authConfig wins over the auth file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-creds-" });
  const name = `${bed.authRegistry}/podrx/${uniqueName("explicit")}:1`;
  try {
    const authfile = await podmanLogin(dir);
    await privateImage(name);
    {
      await using podman = client({ credentials: false });
      await assert.rejects(
        lastValueFrom(podman.images.pull(name, { tlsVerify: false })),
        (error: unknown) => error instanceof APIError,
      );
    }
    {
      await using podman = client({ credentials: { authfile } });
      const wrong = { username: bed.authUser, password: `wrong-${crypto.randomUUID()}` };
      const error = await lastValueFrom(
        podman.images.pull(name, { tlsVerify: false, authConfig: wrong }),
      ).then(() => undefined, (error: unknown) => error);
      assert.ok(error instanceof APIError, String(error));
      assert.deepEqual(leaked(error.message), []);
      assert.ok(!error.message.includes(wrong.password));
      // The file's credentials, asked for explicitly, are the right ones.
      const events = await lastValueFrom(
        podman.images.pull(name, { tlsVerify: false }).pipe(toArray()),
      );
      assert.equal(events.at(-1)?.type, "pulled");
      const resolved = await podman.registryCredentials(name, "check");
      assert.equal(resolved?.username, bed.authUser);
      assert.deepEqual(leaked(Deno.inspect(resolved)), []);
    }
  } finally {
    await podmanCli(["rmi", "--ignore", name]);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a Docker config's credential helper is asked, and its credentials pull a private image", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-creds-" });
  const name = `${bed.authRegistry}/podrx/${uniqueName("helper")}:1`;
  try {
    await privateImage(name);
    await Deno.mkdir(`${dir}/bin`);
    await Deno.mkdir(`${dir}/docker`);
    const helper = `${dir}/bin/docker-credential-podrxbed`;
    await Deno.writeTextFile(
      helper,
      `#!/bin/sh\nread server\necho "$1 $server" >> "${dir}/asked"\n` +
        `printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" "${bed.authUser}" "${bed.authPassword}"\n`,
    );
    await Deno.chmod(helper, 0o755);
    await Deno.writeTextFile(
      `${dir}/docker/config.json`,
      JSON.stringify({ credHelpers: { [bed.authRegistry]: "podrxbed" } }),
    );
    const script = `
      import { PodmanClient } from "${new URL("../../mod.ts", import.meta.url).href}";
      await using podman = new PodmanClient({ baseUrl: "unix://${bed.socketPath}" });
      const image = await podman.images.promises.pull("${name}", { tlsVerify: false });
      console.log("pulled", image.id);
    `;
    await Deno.writeTextFile(`${dir}/script.ts`, script);
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        `${dir}/script.ts`,
      ],
      // The default auth files all point into this test's folder, where only the Docker
      // config exists; HOME stays, for Deno's own cache.
      env: {
        XDG_RUNTIME_DIR: `${dir}/run`,
        XDG_CONFIG_HOME: `${dir}/config`,
        DOCKER_CONFIG: `${dir}/docker`,
        PATH: `${dir}/bin:${Deno.env.get("PATH") ?? ""}`,
        NO_COLOR: "1",
      },
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.deepEqual(leaked(stdout + stderr), []);
    assert.equal(output.code, 0, `script failed:\n${stdout}\n${stderr}`);
    assert.match(stdout, /^pulled [0-9a-f]{64}$/m);
    assert.equal((await Deno.readTextFile(`${dir}/asked`)).trim(), `get ${bed.authRegistry}`);
  } finally {
    await podmanCli(["rmi", "--ignore", name]);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a fleet pulls a private image onto hosts that have no credentials of their own", async () => {
  const dir = await Deno.makeTempDir({ prefix: "podrx-creds-" });
  const name = `${bed.authRegistry}/podrx/${uniqueName("fleet-private")}:1`;
  try {
    const authfile = await podmanLogin(dir);
    await privateImage(name);
    // Two fresh services with empty storage and no auth files of their own, and the bed's.
    const script = `
      import { Fleet, PodmanClient } from "${new URL("../../mod.ts", import.meta.url).href}";
      import { filter, lastValueFrom, tap, toArray } from "rxjs";
      const spawn = () => PodmanClient.spawn({
        podmanPath: ${JSON.stringify(podmanProgram())},
        storage: "private",
        storageDriver: "vfs",
        handleSignals: false,
      });
      const [a, b] = await Promise.all([spawn(), spawn()]);
      await using fleet = new Fleet({ bed: { baseUrl: "unix://${bed.socketPath}" }, a, b });
      await lastValueFrom(fleet.images.pull("${name}", { tlsVerify: false }).pipe(
        filter((event) => event.type === "done"),
        tap((event) => console.log("done", event.host, event.result.id)),
        toArray(),
      ));
    `;
    await Deno.writeTextFile(`${dir}/script.ts`, script);
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        `${dir}/script.ts`,
      ],
      env: { REGISTRY_AUTH_FILE: authfile, NO_COLOR: "1" },
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.deepEqual(leaked(stdout + stderr), [], "a secret in the script's output");
    assert.equal(output.code, 0, `script failed:\n${stdout}\n${stderr}`);
    const hosts = [...stdout.matchAll(/^done (\S+) (?:sha256:)?([0-9a-f]{64})$/gm)];
    assert.deepEqual(hosts.map((match) => match[1]).sort(), ["a", "b", "bed"], stdout);
    assert.equal(new Set(hosts.map((match) => match[2])).size, 1, "one image on every host");
  } finally {
    await podmanCli(["rmi", "--ignore", name]);
    await Deno.remove(dir, { recursive: true });
  }
});
