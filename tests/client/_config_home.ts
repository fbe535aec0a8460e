// A private config home for tests of discovery and named connections.

// Everything discovery and the config readers look at, cleared or pointed at a temp dir.
const ENV_NAMES = [
  "XDG_CONFIG_HOME",
  "CONTAINERS_CONF",
  "CONTAINER_HOST",
  "CONTAINER_SSHKEY",
  "CONTAINER_CONNECTION",
  "DOCKER_HOST",
  "XDG_RUNTIME_DIR",
];

/** The temp config home {@linkcode withConfigHome} gives its body. */
export interface ConfigHome {
  /** `$XDG_CONFIG_HOME/containers`. */
  containers: string;
  /** Writes `podman-connections.json`. */
  writeJson(value: unknown): Promise<string>;
  /** Writes `containers.conf`. */
  writeConf(text: string): Promise<string>;
}

/** Runs `body` with a fresh XDG_CONFIG_HOME and no other discovery variables set. */
export async function withConfigHome(body: (home: ConfigHome) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-config-" });
  const saved = ENV_NAMES.map((name) => [name, Deno.env.get(name)] as const);
  try {
    for (const name of ENV_NAMES) Deno.env.delete(name);
    Deno.env.set("XDG_CONFIG_HOME", dir);
    // An empty runtime dir, so no rootless socket of the machine can answer for us.
    Deno.env.set("XDG_RUNTIME_DIR", `${dir}/run`);
    const containers = `${dir}/containers`;
    await Deno.mkdir(containers);
    await body({
      containers,
      async writeJson(value) {
        const path = `${containers}/podman-connections.json`;
        await Deno.writeTextFile(path, JSON.stringify(value, null, 2));
        return path;
      },
      async writeConf(text) {
        const path = `${containers}/containers.conf`;
        await Deno.writeTextFile(path, text);
        return path;
      },
    });
  } finally {
    for (const [name, value] of saved) {
      value === undefined ? Deno.env.delete(name) : Deno.env.set(name, value);
    }
    await Deno.remove(dir, { recursive: true });
  }
}
