import type { Observable } from "rxjs";
import type { OperationOptions } from "../client/operation.ts";
import type { PodmanClient } from "../client/podman_client.ts";
import type { Image } from "../images/image.ts";
import type { BuildEvent, PullEvent } from "../images/image_events.ts";
import type { BuildOptions } from "../images/operations/building/build_options.ts";
import type { LoadSource } from "../images/operations/load.ts";
import type { ListOptions } from "../images/operations/list.ts";
import type { PruneOptions } from "../images/operations/prune.ts";
import type { PushedEvent, PushEvent, PushOptions } from "../images/operations/push.ts";
import type { RemoveOptions } from "../images/operations/remove.ts";
import type { PruneReport, RemoveReport } from "../vocabulary/reports.ts";
import type { PullOptions } from "../images/operations/pull.ts";
import type { TagOptions } from "../images/operations/tag.ts";
import { HostList } from "./_host_list.ts";
import {
  buildOnFleet,
  existsOnFleet,
  getOnFleet,
  listOnFleet,
  loadOnFleet,
  pruneOnFleet,
  pullOnFleet,
  pushOnFleet,
  removeOnFleet,
  runOnFleet,
  tagOnFleet,
} from "./_image_operations_on_fleet.ts";
import { distribute } from "./distribute.ts";
import type { DistributedImage, DistributeEvent } from "./distribute_event.ts";
import type { DistributeOptions } from "./distribute_options.ts";
import { connectionHosts, type FromConnectionsOptions } from "./fleet_connections.ts";
import { FleetArtifacts } from "./fleet_artifacts.ts";
import type { FleetEvent, FleetOptions, FleetRunOptions } from "./fleet_event.ts";
import type { FleetHosts } from "./fleet_host.ts";

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
 * ```ts ignore
 * import { Fleet, FleetError } from "@podrx/podrx";
 * import { filter, lastValueFrom, tap } from "rxjs";
 *
 * await using fleet = new Fleet({
 *   build: "unix:///run/podman/podman.sock",
 *   edge1: "ssh://core@10.0.0.5/run/podman/podman.sock",
 *   edge2: { connection: "edge2" },
 * });
 * try {
 *   await lastValueFrom(fleet.pull("registry.example.com/app:1.4", { concurrency: 2 }).pipe(
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
   * The OCI artifact operations (Podman 5.6 and later on each host) on every host: `pull`,
   * `push`, `distribute` from one host to the others, `get`, `exists`, `list`, `remove`.
   *
   * @example
   * ```ts ignore
   * fleet.artifacts.distribute("127.0.0.1:5000/ai/model:1", { from: "build", tlsVerify: false });
   * ```
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
    this.artifacts = new FleetArtifacts(this.#hosts);
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
   * ```ts ignore
   * import { Fleet } from "@podrx/podrx";
   *
   * await using fleet = await Fleet.fromConnections({ names: ["edge1", "edge2"] });
   * console.log(fleet.names);
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
   * ```ts ignore
   * import { Fleet } from "@podrx/podrx";
   * import { filter, tap, lastValueFrom } from "rxjs";
   *
   * await using fleet = new Fleet(["unix:///run/a.sock", "unix:///run/b.sock"]);
   * await lastValueFrom(fleet.run("Cannot list", (client) => client.images.list()).pipe(
   *   filter((event) => event.type === "done"),
   *   tap((event) => console.log(event.host, event.result.length)),
   * ));
   * ```
   */
  run<E, R = E>(
    action: string,
    operation: (client: PodmanClient, host: string) => Observable<E>,
    options: FleetRunOptions<E, R> = {},
  ): Observable<FleetEvent<E, R>> {
    return runOnFleet(this.#hosts, action, operation, options);
  }

  /**
   * Pulls an image on every host; each host's result is the pulled image.
   *
   * @example
   * ```ts ignore
   * fleet.pull("127.0.0.1:5000/app:1", { tlsVerify: false, retry: 2 });
   * ```
   */
  pull(
    repository: string,
    options?: PullOptions & FleetOptions,
  ): Observable<FleetEvent<PullEvent, Image>> {
    return pullOnFleet(this.#hosts, repository, options);
  }

  /**
   * Pushes an image from every host; each host's result is its `pushed` event (with
   * `allTags`, its last tag's; every tag's `pushed` is among the host's events).
   *
   * @example
   * ```ts ignore
   * fleet.push("127.0.0.1:5000/app:1", { tlsVerify: false, hosts: ["build"] });
   * ```
   */
  push(
    repository: string,
    options?: PushOptions & FleetOptions,
  ): Observable<FleetEvent<PushEvent, PushedEvent>> {
    return pushOnFleet(this.#hosts, repository, options);
  }

  /**
   * Builds the same context on every host; each host's result is the built image.
   *
   * @example
   * ```ts ignore
   * fleet.build({ path: "./app", tag: "localhost/app:dev", concurrency: 2 });
   * ```
   */
  build(options: BuildOptions & FleetOptions): Observable<FleetEvent<BuildEvent, Image>> {
    return buildOnFleet(this.#hosts, options);
  }

  /**
   * Loads an archive into every host; each host's result is the list of loaded images.
   *
   * A path, bytes or a Blob is read by each host's upload on its own. A `ReadableStream` is
   * read once, and each chunk goes to every host at the same time, at the pace of the
   * slowest: memory stays flat whatever the archive's size. Since it can be read only once,
   * every host then starts at once (`concurrency` does not apply) and a retry fails.
   *
   * @example
   * ```ts ignore
   * fleet.load("./app.tar", { concurrency: 4 });
   * ```
   */
  load(
    source: LoadSource,
    options?: OperationOptions & FleetOptions,
  ): Observable<FleetEvent<Image, Image[]>> {
    return loadOnFleet(this.#hosts, source, options);
  }

  /**
   * Lists the images of every host; each host's result is its list.
   *
   * @example
   * ```ts ignore
   * fleet.list({ filters: { dangling: true } });
   * ```
   */
  list(options?: ListOptions & FleetOptions): Observable<FleetEvent<Image[], Image[]>> {
    return listOnFleet(this.#hosts, options);
  }

  /**
   * Tells whether each host has an image: each host's result is `true` or `false`.
   *
   * @example
   * ```ts ignore
   * fleet.exists("localhost/app:dev");
   * ```
   */
  exists(
    name: string,
    options?: OperationOptions & FleetOptions,
  ): Observable<FleetEvent<boolean, boolean>> {
    return existsOnFleet(this.#hosts, name, options);
  }

  /**
   * Inspects an image on every host; a host without it fails with `ImageNotFound`.
   *
   * @example
   * ```ts ignore
   * fleet.get("localhost/app:dev");
   * ```
   */
  get(
    name: string,
    options?: OperationOptions & FleetOptions,
  ): Observable<FleetEvent<Image, Image>> {
    return getOnFleet(this.#hosts, name, options);
  }

  /**
   * Removes an image from every host.
   *
   * @example
   * ```ts ignore
   * fleet.remove("localhost/app:old", { force: true });
   * ```
   */
  remove(
    name: string,
    options?: RemoveOptions & FleetOptions,
  ): Observable<FleetEvent<RemoveReport, RemoveReport>> {
    return removeOnFleet(this.#hosts, name, options);
  }

  /**
   * Removes unused images on every host.
   *
   * @example
   * ```ts ignore
   * fleet.prune({ all: true });
   * ```
   */
  prune(options?: PruneOptions & FleetOptions): Observable<FleetEvent<PruneReport, PruneReport>> {
    return pruneOnFleet(this.#hosts, options);
  }

  /**
   * Adds the name `repository:tag` to an image on every host.
   *
   * @example
   * ```ts ignore
   * fleet.tag("localhost/app:dev", "localhost/app", "stable");
   * ```
   */
  tag(
    name: string,
    repository: string,
    tag?: string,
    options?: TagOptions & FleetOptions,
  ): Observable<FleetEvent<boolean, boolean>> {
    return tagOnFleet(this.#hosts, name, repository, tag, options);
  }

  /**
   * Copies an image from one host (`from`) to every other host (of `hosts`), as one stream
   * (`via: "stream"`, the default: one save on the source, loaded into every host at the same
   * time from that single read) or through a registry (`via: { registry }`: one push, then a
   * pull on every host).
   *
   * Every host ends with the image's id, which must equal the source's: a host that ends up
   * with another id fails. The source host's outcome comes too (its result: the image).
   *
   * @param name The image on the source host, by name or id. By name, the hosts get that
   * name (stream route) or the registry's name for it (registry route).
   * @param options The source host, the route, and the fleet options.
   * @returns A cold Observable of {@linkcode FleetEvent}s of {@linkcode DistributeEvent}s,
   * ending like every fleet operation: complete when every host has the image, else a
   * {@linkcode FleetError} naming every failed host.
   *
   * @example Build once, then one stream to every edge host
   * ```ts ignore
   * import { Fleet } from "@podrx/podrx";
   * import { lastValueFrom } from "rxjs";
   *
   * await using fleet = new Fleet({ build: "unix:///run/podman/podman.sock", edge1: "ssh://..." });
   * await lastValueFrom(fleet.distribute("localhost/app:2", { from: "build" }));
   * ```
   */
  distribute(
    name: string,
    options: DistributeOptions,
  ): Observable<FleetEvent<DistributeEvent, DistributedImage>> {
    return distribute(this.#hosts, name, options);
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
