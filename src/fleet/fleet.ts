import { concatMap, defer, type Observable, throwError } from "rxjs";
import type { PodmanClientOptions } from "../client/client_options.ts";
import type { OperationOptions } from "../client/operation.ts";
import type { PodmanClient } from "../client/podman_client.ts";
import { readPodmanConnections } from "../config/podman_connections.ts";
import { PodmanError } from "../errors.ts";
import type { Image } from "../images/image.ts";
import type { BuildEvent, PullEvent } from "../images/image_events.ts";
import type { BuildOptions } from "../images/operations/building/build_options.ts";
import type { LoadSource } from "../images/operations/load.ts";
import type { ListOptions } from "../images/operations/list.ts";
import type { PruneOptions } from "../images/operations/prune.ts";
import type { PushedEvent, PushEvent, PushOptions } from "../images/operations/push.ts";
import type { RemoveOptions } from "../images/operations/remove.ts";
import type { PruneReport, RemoveReport } from "../images/operations/reports.ts";
import type { PullOptions } from "../images/operations/pull.ts";
import type { TagOptions } from "../images/operations/tag.ts";
import { fanOut } from "./_fan_out.ts";
import {
  distributeAsStream,
  type DistributedImage,
  type DistributeEvent,
  type DistributeOptions,
  distributeViaRegistry,
} from "./distribute.ts";
import { FleetError } from "./fleet_error.ts";
import type { FleetEvent, FleetOptions } from "./fleet_event.ts";
import { type FleetHost, type FleetHosts, makeFleetHosts } from "./fleet_host.ts";
import { runOnHosts, type RunOnHostsOptions } from "./run_on_hosts.ts";

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

/** Options for {@linkcode Fleet.run}. */
export interface FleetRunOptions<E, R> extends FleetOptions {
  /**
   * Folds one host's events into its result; `undefined` leaves the result as it was.
   * @default {the last event}
   */
  result?: (previous: R | undefined, event: E) => R | undefined;
}

const FLEET_KEYS = ["concurrency", "failFast", "retry", "hosts"] as const;

/** Splits a fleet method's options into the fleet's and the operation's own. */
function split<O extends FleetOptions>(
  options: O | undefined,
): [FleetOptions, Omit<O, keyof FleetOptions>] {
  const fleet: Record<string, unknown> = {};
  const own: Record<string, unknown> = { ...options };
  for (const key of FLEET_KEYS) {
    if (key in own) {
      fleet[key] = own[key];
      delete own[key];
    }
  }
  return [fleet as FleetOptions, own as Omit<O, keyof FleetOptions>];
}

/** The pulled image, from the final `pulled` event. */
function pulledImage(previous: Image | undefined, event: PullEvent): Image | undefined {
  return event.type === "pulled" ? event.image : previous;
}

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
 * `await using`) closes every one.
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
 *
 * @example Any operation, through `run`
 * ```ts ignore
 * import { Fleet } from "@podrx/podrx";
 * import { lastValueFrom, toArray } from "rxjs";
 *
 * await using fleet = await Fleet.fromConnections();
 * const events = await lastValueFrom(
 *   fleet.run("Cannot ping", (client) => client.ping()).pipe(toArray()),
 * );
 * console.log(events.filter((event) => event.type === "done").length, "hosts answered");
 * ```
 */
export class Fleet implements AsyncDisposable {
  readonly #hosts: readonly FleetHost[];
  readonly #byName: ReadonlyMap<string, FleetHost>;

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
    this.#hosts = makeFleetHosts(hosts);
    this.#byName = new Map(this.#hosts.map((host) => [host.name, host]));
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
    const action = "Cannot create Fleet from Podman's connections";
    const found = await readPodmanConnections();
    const names = options.names ?? [...found.connections.keys()];
    const missing = names.filter((name) => !found.connections.has(name));
    if (missing.length > 0) {
      throw new TypeError(
        `${action}: no connection is named ${missing.map((name) => `"${name}"`).join(", ")}` +
          ` (read ${found.searched.join(", ") || "no files"})`,
      );
    }
    if (names.length === 0) {
      throw new PodmanError(
        `${action}: no connections are configured (read ${
          found.searched.join(", ") || "no files"
        })`,
      );
    }
    const hosts: Record<string, PodmanClientOptions> = {};
    for (const name of names) hosts[name] = { ...options.client, connection: name };
    return new Fleet(hosts);
  }

  /** The hosts' names, in the fleet's order. */
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
    if (!host) throw new TypeError(`Cannot find host "${name}": the fleet has ${this.#list()}`);
    return host.client;
  }

  #list(): string {
    return this.names.map((name) => `"${name}"`).join(", ");
  }

  /** The hosts an operation runs on; an unknown name is an error on subscribe. */
  #select(names: readonly string[] | undefined, action: string): FleetHost[] {
    if (names === undefined) return [...this.#hosts];
    const unknown = names.filter((name) => !this.#byName.has(name));
    if (unknown.length > 0) {
      throw new TypeError(
        `${action}: the fleet has no host ${unknown.map((name) => `"${name}"`).join(", ")}` +
          ` (it has ${this.#list()})`,
      );
    }
    return names.map((name) => this.#byName.get(name)!);
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
    return defer(() => {
      const hosts = this.#select(options.hosts, action);
      const runOptions: RunOnHostsOptions<E, R> = { ...options };
      return runOnHosts<E, R>(
        action,
        hosts.map((host) => ({
          name: host.name,
          operation: () => operation(host.client, host.name),
        })),
        runOptions,
      );
    });
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
    const [fleet, own] = split(options);
    return this.run(
      `Cannot pull "${repository}"`,
      (client) => client.images.pull(repository, own),
      { ...fleet, result: pulledImage },
    );
  }

  /**
   * Pushes an image from every host; each host's result is its `pushed` event.
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
    const [fleet, own] = split(options);
    return this.run<PushEvent, PushedEvent>(
      `Cannot push "${repository}"`,
      (client) => client.images.push(repository, own),
      { ...fleet, result: (previous, event) => event.type === "pushed" ? event : previous },
    );
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
    const [fleet, own] = split(options);
    return this.run<BuildEvent, Image>(
      "Cannot build",
      (client) => client.images.build(own as BuildOptions),
      { ...fleet, result: (previous, event) => event.type === "built" ? event.image : previous },
    );
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
    const [fleet, own] = split(options);
    const action = "Cannot load images";
    const collect = (previous: Image[] | undefined, image: Image) => [...previous ?? [], image];
    if (!(source instanceof ReadableStream)) {
      return this.run(action, (client) => client.images.load(source, own), {
        ...fleet,
        result: collect,
      });
    }
    return defer(() => {
      const hosts = this.#select(fleet.hosts, action);
      const branches = fanOut(source, hosts.length);
      return runOnHosts(
        action,
        hosts.map((host, index) => ({
          name: host.name,
          operation: () => host.client.images.load(branches[index]!, own),
        })),
        { ...fleet, concurrency: Infinity, result: collect },
      );
    });
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
    const [fleet, own] = split(options);
    return this.run("Cannot list images", (client) => client.images.list(own), fleet);
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
    const [fleet, own] = split(options);
    return this.run(
      `Cannot tell whether image "${name}" exists`,
      (client) => client.images.exists(name, own),
      fleet,
    );
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
    const [fleet, own] = split(options);
    return this.run(
      `Cannot inspect image "${name}"`,
      (client) => client.images.get(name, own),
      fleet,
    );
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
    const [fleet, own] = split(options);
    return this.run(
      `Cannot remove image "${name}"`,
      (client) => client.images.remove(name, own),
      fleet,
    );
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
    const [fleet, own] = split(options);
    return this.run("Cannot prune images", (client) => client.images.prune(own), fleet);
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
    const [fleet, own] = split(options);
    return this.run(
      `Cannot tag image "${name}" as "${repository}:${tag ?? "latest"}"`,
      (client) =>
        client.images.get(name, own).pipe(concatMap((image) => image.tag(repository, tag, own))),
      fleet,
    );
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
    const action = `Cannot distribute "${name}"`;
    return defer(() => {
      const source = this.#select([options.from], action)[0]!;
      const targets = this.#select(options.hosts, action).filter((host) => host !== source);
      const via = options.via ?? "stream";
      if (via === "stream") return distributeAsStream(source, targets, name, options);
      if (typeof via !== "object" || typeof via.registry !== "string" || via.registry === "") {
        return throwError(() =>
          new TypeError(`${action}: via must be "stream" or { registry: "host[:port]" }`)
        );
      }
      return distributeViaRegistry(source, targets, name, via, options);
    });
  }

  /**
   * Closes every host's client (and stops services started with `PodmanClient.spawn`).
   *
   * @throws {FleetError} (as a rejection) Naming each host whose client failed to close; the
   * others are closed all the same.
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

  /** Same as {@linkcode Fleet.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
