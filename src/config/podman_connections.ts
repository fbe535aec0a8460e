/**
 * The connections `podman system connection add` records: Podman 5 keeps them in
 * `podman-connections.json`, Podman 4 in `containers.conf` (`[engine.service_destinations]`).
 * Both are read, the JSON file winning for a name both define, as Podman does.
 *
 * @module
 */

import { PodmanError } from "../errors.ts";
import { readEnv } from "./_read_env.ts";
import { parseTomlStrings } from "./_toml_strings.ts";
import { files } from "../runtime/runtime.ts";

/** One named connection to a Podman service. */
export interface PodmanConnection {
  /** The connection's name. */
  name: string;
  /** Its base URL, e.g. `ssh://core@host:22/run/podman/podman.sock` or `unix:///...`. */
  uri: string;
  /** Private key for an `ssh://` URI, when one is recorded. */
  identity: string | undefined;
  /** The file the connection was read from. */
  source: string;
}

/** Every connection found, and which is the default; see {@linkcode readPodmanConnections}. */
export interface PodmanConnections {
  /** The connections by name. */
  connections: Map<string, PodmanConnection>;
  /** Name of the default connection, when one is set. */
  defaultName: string | undefined;
  /** The file that named the default connection. */
  defaultSource: string | undefined;
  /** Every file looked at, in the order read, for error messages. */
  searched: string[];
}

/**
 * Reads the named connections of the current user, in Podman's order:
 * `containers.conf` files (`/usr/share/containers/`, `/etc/containers/`, then
 * `$XDG_CONFIG_HOME/containers/`, each with its `containers.conf.d/*.conf`; or only
 * `$CONTAINERS_CONF` when set), then `$XDG_CONFIG_HOME/containers/podman-connections.json`.
 * A later file overrides an earlier one. Missing and unreadable files (no `--allow-read`)
 * are skipped.
 *
 * @returns The connections and the default one's name.
 * @throws {PodmanError} (as a rejection) When a file exists but cannot be parsed; the
 * message names the file.
 *
 * @example Listing the connections
 * ```ts check-only
 * import { readPodmanConnections } from "@podrx/podrx";
 *
 * const { connections, defaultName } = await readPodmanConnections();
 * for (const connection of connections.values()) {
 *   console.log(connection.name === defaultName ? "*" : " ", connection.name, connection.uri);
 * }
 * ```
 *
 * @example Reading a containers.conf named by `CONTAINERS_CONF`
 * ```ts
 * import { readPodmanConnections } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(
 *   `${dir}/containers.conf`,
 *   '[engine]\nactive_service = "edge"\n' +
 *     '[engine.service_destinations.edge]\nuri = "ssh://core@10.0.0.5/run/podman/podman.sock"\n',
 * );
 * Deno.env.set("CONTAINERS_CONF", `${dir}/containers.conf`);
 * Deno.env.set("XDG_CONFIG_HOME", dir);
 * const { connections, defaultName } = await readPodmanConnections();
 * assert.equal(defaultName, "edge");
 * assert.equal(connections.get("edge")?.uri, "ssh://core@10.0.0.5/run/podman/podman.sock");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readPodmanConnections(): Promise<PodmanConnections> {
  const result: PodmanConnections = {
    connections: new Map(),
    defaultName: undefined,
    defaultSource: undefined,
    searched: [],
  };
  const configHome = configDir();
  for (const path of await containersConfFiles(configHome)) {
    const text = await readOptional(path, result.searched);
    if (text !== undefined) mergeContainersConf(result, path, text);
  }
  if (configHome !== undefined) {
    const path = `${configHome}/containers/podman-connections.json`;
    const text = await readOptional(path, result.searched);
    if (text !== undefined) mergeConnectionsJson(result, path, text);
  }
  return result;
}

/**
 * Looks up one connection by name.
 *
 * @param name The connection's name.
 * @param action Names the failed action in the error message.
 * @returns The connection.
 * @throws {PodmanError} (as a rejection) When no connection has that name; the message
 * lists the known names and the files read.
 *
 * @example Finding a connection, and the error for an unknown name
 * ```ts
 * import { findPodmanConnection } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(
 *   `${dir}/containers.conf`,
 *   '[engine.service_destinations.production]\n' +
 *     'uri = "ssh://deploy@10.0.0.7/run/podman/podman.sock"\n',
 * );
 * Deno.env.set("CONTAINERS_CONF", `${dir}/containers.conf`);
 * Deno.env.set("XDG_CONFIG_HOME", dir);
 * const connection = await findPodmanConnection("production");
 * assert.equal(connection.uri, "ssh://deploy@10.0.0.7/run/podman/podman.sock");
 * await assert.rejects(findPodmanConnection("staging"), /known connections: "production"/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function findPodmanConnection(
  name: string,
  action: string = "Cannot use a Podman connection",
): Promise<PodmanConnection> {
  let found: PodmanConnections;
  try {
    found = await readPodmanConnections();
  } catch (error) {
    const reason = (error as Error).message.replace(/^Cannot/, "cannot");
    throw new PodmanError(`${action}: ${reason}`, { cause: error });
  }
  const connection = found.connections.get(name);
  if (connection) return connection;
  const known = [...found.connections.keys()];
  throw new PodmanError(
    `${action}: no Podman connection is named "${name}"; ` +
      (known.length > 0
        ? `known connections: ${known.map((known) => `"${known}"`).join(", ")}`
        : "no connections are configured") +
      ` (read ${found.searched.join(", ") || "no files"})`,
  );
}

function configDir(): string | undefined {
  const xdg = readEnv("XDG_CONFIG_HOME");
  if (xdg) return xdg;
  const home = readEnv("HOME");
  return home ? `${home}/.config` : undefined;
}

async function containersConfFiles(configHome: string | undefined): Promise<string[]> {
  const override = readEnv("CONTAINERS_CONF");
  if (override) return [override];
  const files: string[] = [];
  const dirs = ["/usr/share/containers", "/etc/containers"];
  if (configHome !== undefined) dirs.push(`${configHome}/containers`);
  for (const dir of dirs) {
    files.push(`${dir}/containers.conf`, ...await dropIns(`${dir}/containers.conf.d`));
  }
  return files;
}

async function dropIns(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of files.readDir(dir)) {
      if (entry.name.endsWith(".conf")) names.push(entry.name);
    }
  } catch {
    return [];
  }
  return names.sort().map((name) => `${dir}/${name}`);
}

async function readOptional(path: string, searched: string[]): Promise<string | undefined> {
  try {
    const text = await files.readTextFile(path);
    searched.push(path);
    return text;
  } catch {
    // Missing, unreadable or not permitted: Podman skips a missing file too.
    return undefined;
  }
}

function mergeContainersConf(result: PodmanConnections, path: string, text: string): void {
  let strings;
  try {
    strings = parseTomlStrings(text);
  } catch (error) {
    throw new PodmanError(`Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  const destinations = new Map<string, { uri?: string; identity?: string }>();
  for (const { path: key, value } of strings) {
    if (key[0] !== "engine") continue;
    if (key.length === 2 && key[1] === "active_service") {
      result.defaultName = value;
      result.defaultSource = path;
    } else if (key.length === 4 && key[1] === "service_destinations") {
      const name = key[2]!;
      const destination = destinations.get(name) ?? {};
      if (key[3] === "uri") destination.uri = value;
      if (key[3] === "identity") destination.identity = value;
      destinations.set(name, destination);
    }
  }
  for (const [name, destination] of destinations) {
    if (destination.uri === undefined) continue;
    result.connections.set(name, {
      name,
      uri: destination.uri,
      identity: destination.identity || undefined,
      source: path,
    });
  }
}

function mergeConnectionsJson(result: PodmanConnections, path: string, text: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PodmanError(`Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  const connection = isRecord(parsed) ? parsed.Connection : undefined;
  if (connection === undefined) return;
  if (!isRecord(connection)) {
    throw new PodmanError(`Cannot read ${path}: "Connection" is not an object`);
  }
  if (typeof connection.Default === "string" && connection.Default !== "") {
    result.defaultName = connection.Default;
    result.defaultSource = path;
  }
  const connections = connection.Connections;
  if (connections === undefined || connections === null) return;
  if (!isRecord(connections)) {
    throw new PodmanError(`Cannot read ${path}: "Connection.Connections" is not an object`);
  }
  for (const [name, entry] of Object.entries(connections)) {
    if (!isRecord(entry) || typeof entry.URI !== "string") {
      throw new PodmanError(`Cannot read ${path}: connection "${name}" has no URI`);
    }
    result.connections.set(name, {
      name,
      uri: entry.URI,
      identity: typeof entry.Identity === "string" && entry.Identity !== ""
        ? entry.Identity
        : undefined,
      source: path,
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
