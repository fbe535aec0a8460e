import { PodmanClient } from "../podman/podman_client.ts";
import type { PodmanClientOptions } from "../client/client_options.ts";

/**
 * One host of a fleet, as given to {@linkcode Fleet}: a ready client, a client's options, or a
 * URL in any form `podman --url` accepts (`unix:`, `tcp:`, `ssh:`).
 */
export type FleetHostSource = PodmanClient | PodmanClientOptions | string;

/**
 * The hosts of a fleet: a record of names to hosts, or a list (each host is then named after
 * its URL or connection, else `host-1`, `host-2`...).
 */
export type FleetHosts =
  | readonly FleetHostSource[]
  | Readonly<Record<string, FleetHostSource>>;

/** A host of a fleet: its name and its client. */
export interface FleetHost {
  /** The host's name, unique in the fleet. */
  readonly name: string;
  /** The client of the host's Podman service. */
  readonly client: PodmanClient;
}

/** A URL as a name, without a password it may carry. */
function urlName(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "") return url;
    parsed.password = "";
    return parsed.href;
  } catch {
    return url;
  }
}

function defaultName(source: FleetHostSource, index: number): string {
  if (typeof source === "string") return urlName(source);
  if (!(source instanceof PodmanClient)) {
    if (source.connection !== undefined) return source.connection;
    if (source.baseUrl !== undefined) return urlName(source.baseUrl);
  }
  return `host-${index + 1}`;
}

function clientOf(source: FleetHostSource): PodmanClient {
  if (source instanceof PodmanClient) return source;
  return new PodmanClient(typeof source === "string" ? { baseUrl: source } : source);
}

/**
 * Makes the hosts' clients, checking every host first: a malformed URL or option of any host
 * throws before a client is made.
 *
 * @throws {TypeError} For no hosts, an empty or repeated name, or a bad client option.
 * @throws {RangeError} For a URL in a form Podman does not accept.
 */
export function makeFleetHosts(hosts: FleetHosts): FleetHost[] {
  const action = "Cannot create Fleet";
  const entries: [string, FleetHostSource][] = Array.isArray(hosts)
    ? hosts.map((source, index) => [defaultName(source, index), source])
    : Object.entries(hosts);
  if (entries.length === 0) throw new TypeError(`${action}: it has no hosts`);
  const seen = new Set<string>();
  for (const [name] of entries) {
    if (name === "") throw new TypeError(`${action}: a host's name is empty`);
    if (seen.has(name)) {
      throw new TypeError(`${action}: two hosts are named "${name}"; give the hosts as a record`);
    }
    seen.add(name);
  }
  return entries.map(([name, source]) => {
    try {
      return { name, client: clientOf(source) };
    } catch (error) {
      // Making a client opens nothing, so the clients made before need no closing.
      const reason = (error as Error).message.replace(/^Cannot create PodmanClient: /, "");
      const ErrorClass = error instanceof RangeError ? RangeError : TypeError;
      throw new ErrorClass(`${action}: host "${name}": ${reason}`, { cause: error });
    }
  });
}
