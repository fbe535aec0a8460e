import { defer, type Observable } from "rxjs";
import type { PodmanClient } from "../podman/podman_client.ts";
import type { ManifestsManager } from "../manifests/manifests_manager.ts";
import { HostList } from "./_host_list.ts";
import { connectionHosts, type FromConnectionsOptions } from "./fleet_connections.ts";
import { type FleetArtifacts, fleetArtifacts } from "./fleet_artifacts.ts";
import type { FleetEvent, FleetRunOptions } from "./fleet_event.ts";
import { type FleetForms, fleetForms } from "./fleet_forms.ts";
import type { FleetHosts } from "./fleet_host.ts";
import { type FleetImages, fleetImages } from "./fleet_images.ts";
import { runOnHosts } from "./run_on_hosts.ts";

/**
 * Many Podman hosts as one: every image operation runs on all of them (or some) as one cold
 * Observable of host-tagged events, with one final outcome per host.
 *
 * Each host's failure is its own: the others finish, and the stream then errors with one
 * {@linkcode FleetError} naming every failed host and why (or, with `failFast`, at the first
 * failure, stopping the rest). `concurrency` bounds how many hosts run at once, `retry` tries
 * a failed host again. Unsubscribing aborts every host's request at once. Nothing is
 * installed on the hosts: each is driven through its own Podman service.
 *
 * The fleet owns its hosts' clients, those it was given included: closing it (or
 * `await using`) closes every one. Any other operation runs on every host through
 * {@linkcode Fleet.run}; {@linkcode Fleet.fromConnections} makes a fleet of Podman's named
 * connections.
 *
 * @example Pulling on every host, then reporting each
 * ```ts check-only
 * import { Fleet, FleetError } from "@podrx/podrx";
 * import { filter, lastValueFrom, tap } from "rxjs";
 *
 * await using fleet = new Fleet({
 *   build: "unix:///run/podman/podman.sock",
 *   edge1: "ssh://core@10.0.0.5/run/podman/podman.sock",
 *   edge2: { connection: "edge2" },
 * });
 * try {
 *   await lastValueFrom(fleet.images.pull("registry.example.com/app:1.4", { concurrency: 2 }).pipe(
 *     filter((event) => event.type === "done"),
 *     tap((event) => console.log(event.host, event.result.id)),
 *   ));
 * } catch (error) {
 *   if (error instanceof FleetError) console.error(error.failures.map((f) => f.host));
 * }
 * ```
 */
export class Fleet implements AsyncDisposable {
  readonly #hosts: HostList;
  /**
   * The image operations on every host: each of the images manager's (`pull`, `push`,
   * `build`, `load`, `list`, `get`, `exists`, `remove`, `prune`, ...), with the fleet's options
   * among its own and each host's result what its await twin gives; and `tag` and
   * `distribute` (one image from one host to the others).
   */
  readonly images: FleetImages;
  /** The manifest list operations of {@linkcode ManifestsManager} on every host. */
  readonly manifests: FleetForms<ManifestsManager>;
  /**
   * The OCI artifact operations (Podman 5.6 and later on each host) on every host: each of
   * {@linkcode ArtifactsManager}'s, and `distribute` from one host to the others.
   */
  readonly artifacts: FleetArtifacts;

  /**
   * Makes a fleet; no connection is made until the first operation.
   *
   * @param hosts A record of names to hosts, or a list of hosts. A host is a
   * {@linkcode PodmanClient}, a client's options (e.g. `{ connection: "edge" }`), or a URL
   * (`unix:`, `tcp:`, `ssh:`).
   * @throws {TypeError} For no hosts, a repeated name, or a bad client option.
   * @throws {RangeError} For a URL in a form Podman does not accept.
   */
  constructor(hosts: FleetHosts) {
    this.#hosts = new HostList(hosts);
    this.images = fleetImages(this.#hosts);
    this.manifests = fleetForms(this.#hosts, "manifests");
    this.artifacts = fleetArtifacts(this.#hosts);
  }

  /**
   * A fleet of Podman's named connections (`podman system connection add`), each host named
   * after its connection: every connection of `podman-connections.json` and
   * `containers.conf`, or those named.
   *
   * @param options Which connections, and client options for all.
   * @returns A promise of the fleet.
   * @throws {PodmanError} (as a rejection) When a file cannot be parsed, or no connection is
   * configured.
   * @throws {TypeError} (as a rejection) When a name in `names` is not a connection.
   *
   * @example
   * ```ts
   * import { Fleet } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * // Two named connections, as containers.conf lists them (`podman system connection add`
   * // writes podman-connections.json, read too); no host is contacted until an operation runs.
   * const dir = await Deno.makeTempDir();
   * await Deno.writeTextFile(
   *   `${dir}/containers.conf`,
   *   '[engine.service_destinations.edge1]\nuri = "ssh://core@10.0.0.5"\n' +
   *     '[engine.service_destinations.edge2]\nuri = "ssh://core@10.0.0.6"\n',
   * );
   * Deno.env.set("CONTAINERS_CONF", `${dir}/containers.conf`);
   * Deno.env.set("XDG_CONFIG_HOME", dir);
   * await using fleet = await Fleet.fromConnections({ names: ["edge1", "edge2"] });
   * assert.deepEqual(fleet.names, ["edge1", "edge2"]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async fromConnections(options: FromConnectionsOptions = {}): Promise<Fleet> {
    return new Fleet(await connectionHosts(options));
  }

  /** The hosts' names, in the fleet's order. */
  get names(): string[] {
    return this.#hosts.names;
  }

  /**
   * The client of one host.
   *
   * @throws {TypeError} When no host has that name.
   */
  client(name: string): PodmanClient {
    return this.#hosts.client(name);
  }

  /**
   * Runs any operation on every host (or those of `hosts`).
   *
   * @typeParam E The events of the operation on one host.
   * @typeParam R A host's result.
   * @param action Names the operation in errors, e.g. `Cannot ping`.
   * @param operation Makes the operation for one host, once per try, at subscribe time; a
   * throw is that host's failure.
   * @param options Concurrency, fail-fast, retry, hosts, and how events make the result.
   * @returns A cold Observable of {@linkcode FleetEvent}s: per host `started`, its events,
   * then `done` or `failed`; it completes when every host succeeded and otherwise errors
   * with a {@linkcode FleetError} naming every failed host.
   *
   * @example Counting the images of every host
   * ```ts
   * import { Fleet, PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   * import { filter, lastValueFrom, map, toArray } from "rxjs";
   *
   * // Two stand-ins for Podman 5 services, with `count` images each; give the fleet URLs or
   * // connection names to reach real hosts.
   * const host = (count: number) =>
   *   new PodmanClient({
   *     transport: {
   *       origin: "http://libpod",
   *       description: `a fake Podman with ${count} images`,
   *       fetch: async () =>
   *         Response.json(
   *           Array.from({ length: count }, (_, i) => ({ Id: String(i).repeat(64) })),
   *           { headers: { "Libpod-API-Version": "5.4.0" } },
   *         ),
   *       close: () => {},
   *     },
   *   });
   * await using fleet = new Fleet({ a: host(2), b: host(3) });
   * const counts = await lastValueFrom(
   *   fleet.run("Cannot list", (client) => client.images.list()).pipe(
   *     filter((event) => event.type === "done"),
   *     map((event) => `${event.host}: ${event.result.length}`),
   *     toArray(),
   *   ),
   * );
   * assert.deepEqual(counts.sort(), ["a: 2", "b: 3"]);
   * ```
   */
  run<E, R = E>(
    action: string,
    operation: (client: PodmanClient, host: string) => Observable<E>,
    options: FleetRunOptions<E, R> = {},
  ): Observable<FleetEvent<E, R>> {
    return defer(() =>
      runOnHosts<E, R>(
        action,
        this.#hosts.select(options.hosts, action).map((host) => ({
          name: host.name,
          operation: () => operation(host.client, host.name),
        })),
        options,
      )
    );
  }

  /**
   * Closes every host's client (and stops services started with `PodmanClient.spawn`).
   *
   * @throws {FleetError} (as a rejection) Naming each host whose client failed to close; the
   * others are closed all the same.
   */
  close(): Promise<void> {
    return this.#hosts.close();
  }

  /** Same as {@linkcode Fleet.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
