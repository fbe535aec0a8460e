import assert from "node:assert/strict";
import {
  findPodmanConnection,
  readPodmanConnections,
} from "../../src/config/podman_connections.ts";
import { PodmanError } from "../../src/errors.ts";

const ENV_NAMES = ["XDG_CONFIG_HOME", "CONTAINERS_CONF", "HOME"];

async function withEnv(
  values: Record<string, string>,
  body: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-connections-" });
  const saved = ENV_NAMES.map((name) => [name, Deno.env.get(name)] as const);
  try {
    for (const name of ENV_NAMES) Deno.env.delete(name);
    for (const [name, value] of Object.entries(values)) {
      Deno.env.set(name, value.replaceAll("$DIR", dir));
    }
    await body(dir);
  } finally {
    for (const [name, value] of saved) {
      value === undefined ? Deno.env.delete(name) : Deno.env.set(name, value);
    }
    await Deno.remove(dir, { recursive: true });
  }
}

function destination(name: string, uri: string): string {
  return `[engine.service_destinations.${name}]\nuri = "${uri}"\n`;
}

Deno.test("readPodmanConnections() lets containers.conf.d drop-ins override containers.conf, in name order", async () => {
  await withEnv({ XDG_CONFIG_HOME: "$DIR" }, async (dir) => {
    await Deno.mkdir(`${dir}/containers/containers.conf.d`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/containers/containers.conf`,
      `[engine]\nactive_service = "a"\n${destination("a", "unix:///conf.sock")}`,
    );
    await Deno.writeTextFile(
      `${dir}/containers/containers.conf.d/20-late.conf`,
      destination("a", "unix:///late.sock"),
    );
    await Deno.writeTextFile(
      `${dir}/containers/containers.conf.d/10-early.conf`,
      `[engine]\nactive_service = "b"\n${destination("a", "unix:///early.sock")}`,
    );
    await Deno.writeTextFile(`${dir}/containers/containers.conf.d/ignored.txt`, "not toml [");
    const found = await readPodmanConnections();
    assert.equal(found.connections.get("a")?.uri, "unix:///late.sock");
    assert.equal(
      found.connections.get("a")?.source,
      `${dir}/containers/containers.conf.d/20-late.conf`,
    );
    assert.equal(found.defaultName, "b");
  });
});

Deno.test("readPodmanConnections() reads only CONTAINERS_CONF when it is set", async () => {
  await withEnv({ XDG_CONFIG_HOME: "$DIR", CONTAINERS_CONF: "$DIR/only.conf" }, async (dir) => {
    await Deno.mkdir(`${dir}/containers`);
    await Deno.writeTextFile(`${dir}/containers/containers.conf`, destination("user", "unix:///u"));
    await Deno.writeTextFile(`${dir}/only.conf`, destination("only", "ssh://core@h/run/p.sock"));
    const found = await readPodmanConnections();
    assert.deepEqual([...found.connections.keys()], ["only"]);
    assert.deepEqual(found.searched, [`${dir}/only.conf`]);
  });
});

Deno.test("readPodmanConnections() falls back to $HOME/.config without XDG_CONFIG_HOME", async () => {
  await withEnv({ HOME: "$DIR" }, async (dir) => {
    await Deno.mkdir(`${dir}/.config/containers`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/.config/containers/podman-connections.json`,
      JSON.stringify({
        Connection: {
          Default: "m",
          Connections: { m: { URI: "ssh://core@127.0.0.1:2222/run/p.sock", Identity: "/k" } },
        },
      }),
    );
    const connection = await findPodmanConnection("m");
    assert.deepEqual(connection, {
      name: "m",
      uri: "ssh://core@127.0.0.1:2222/run/p.sock",
      identity: "/k",
      source: `${dir}/.config/containers/podman-connections.json`,
    });
  });
});

Deno.test("findPodmanConnection() names the containers.conf it cannot parse", async () => {
  await withEnv({ CONTAINERS_CONF: "$DIR/broken.conf" }, async (dir) => {
    await Deno.writeTextFile(`${dir}/broken.conf`, '[engine]\nactive_service = "x\n');
    const error = await findPodmanConnection("x").catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError);
    assert.equal(
      error.message,
      `Cannot use a Podman connection: cannot read ${dir}/broken.conf: ` +
        "Cannot read TOML: line 2: unclosed string",
    );
  });
});
