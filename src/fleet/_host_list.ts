import type { PodmanClient } from "../podman/podman_client.ts";
import { FleetError } from "./fleet_error.ts";
import { type FleetHost, type FleetHosts, makeFleetHosts } from "./fleet_host.ts";

/** The hosts of a fleet, in order and by name, and the one place that closes their clients. */
export class HostList {
  readonly #hosts: readonly FleetHost[];
  readonly #byName: ReadonlyMap<string, FleetHost>;

  /**
   * Makes every host's client; no connection is made.
   *
   * @throws {TypeError} For no hosts, a repeated name, or a bad client option.
   * @throws {RangeError} For a URL in a form Podman does not accept.
   */
  constructor(hosts: FleetHosts) {
    this.#hosts = makeFleetHosts(hosts);
    this.#byName = new Map(this.#hosts.map((host) => [host.name, host]));
  }

  /** The hosts' names, in the fleet's order. */
  /** The first host's client: where a fleet reads what an operation is called. */
  get first(): PodmanClient {
    return this.#hosts[0]!.client;
  }

  get names(): string[] {
    return this.#hosts.map((host) => host.name);
  }

  /**
   * The client of one host.
   *
   * @throws {TypeError} When no host has that name.
   */
  client(name: string): PodmanClient {
    const host = this.#byName.get(name);
    if (!host) throw new TypeError(`Cannot find host "${name}": the fleet has ${this.#quoted()}`);
    return host.client;
  }

  /**
   * The hosts an operation runs on: those named, in that order, or every host.
   *
   * @throws {TypeError} When a name is not a host's; the message starts with `action`.
   */
  select(names: readonly string[] | undefined, action: string): FleetHost[] {
    if (names === undefined) return [...this.#hosts];
    const unknown = names.filter((name) => !this.#byName.has(name));
    if (unknown.length > 0) {
      throw new TypeError(
        `${action}: the fleet has no host ${unknown.map((name) => `"${name}"`).join(", ")}` +
          ` (it has ${this.#quoted()})`,
      );
    }
    return names.map((name) => this.#byName.get(name)!);
  }

  /**
   * The source of a distribution (`from`) and the hosts it goes to: those named (every host
   * by default), the source left out.
   *
   * @throws {TypeError} When a name is not a host's; the message starts with `action`.
   */
  sourceAndTargets(
    from: string,
    names: readonly string[] | undefined,
    action: string,
  ): { source: FleetHost; targets: FleetHost[] } {
    const source = this.select([from], action)[0]!;
    return { source, targets: this.select(names, action).filter((host) => host !== source) };
  }

  /**
   * Closes every host's client, all of them even when some fail.
   *
   * @throws {FleetError} (as a rejection) Naming each host whose client failed to close.
   */
  async close(): Promise<void> {
    const results = await Promise.allSettled(this.#hosts.map((host) => host.client.close()));
    const failures = results.flatMap((result, index) =>
      result.status === "rejected"
        ? [{ host: this.#hosts[index]!.name, error: result.reason as Error }]
        : []
    );
    if (failures.length > 0) throw new FleetError("Cannot close", this.#hosts.length, failures);
  }

  #quoted(): string {
    return this.names.map((name) => `"${name}"`).join(", ");
  }
}
