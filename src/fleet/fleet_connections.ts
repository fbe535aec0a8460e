import type { PodmanClientOptions } from "../client/client_options.ts";
import { readPodmanConnections } from "../config/podman_connections.ts";
import { PodmanError } from "../errors.ts";

/** Options for {@linkcode Fleet.fromConnections}. */
export interface FromConnectionsOptions {
  /**
   * Take these connections only, by name; a name no file defines is an error.
   * @default {undefined} every connection
   */
  names?: readonly string[];
  /**
   * Client options for every host (SSH host-key checking, known_hosts file...).
   * @default {{}}
   */
  client?: Omit<PodmanClientOptions, "baseUrl" | "connection" | "transport">;
}

/**
 * The hosts of Podman's named connections, each named after its connection and given as
 * `{ connection: name }` with the shared client options.
 *
 * @throws {PodmanError} (as a rejection) When a file cannot be parsed, or no connection is
 * configured.
 * @throws {TypeError} (as a rejection) When a name in `names` is not a connection.
 */
export async function connectionHosts(
  options: FromConnectionsOptions,
): Promise<Record<string, PodmanClientOptions>> {
  const action = "Cannot create Fleet from Podman's connections";
  const found = await readPodmanConnections();
  const read = found.searched.join(", ") || "no files";
  const names = options.names ?? [...found.connections.keys()];
  const missing = names.filter((name) => !found.connections.has(name));
  if (missing.length > 0) {
    throw new TypeError(
      `${action}: no connection is named ${missing.map((name) => `"${name}"`).join(", ")}` +
        ` (read ${read})`,
    );
  }
  if (names.length === 0) {
    throw new PodmanError(`${action}: no connections are configured (read ${read})`);
  }
  const hosts: Record<string, PodmanClientOptions> = {};
  for (const name of names) hosts[name] = { ...options.client, connection: name };
  return hosts;
}
