import { concatMap, defer, type Observable } from "rxjs";
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
import { fanOut } from "./_fan_out.ts";
import type { HostList } from "./_host_list.ts";
import { splitFleetOptions as split } from "./_split_fleet_options.ts";
import type { FleetEvent, FleetOptions, FleetRunOptions } from "./fleet_event.ts";
import { runOnHosts } from "./run_on_hosts.ts";

// The image operations of `Fleet`, each as the manager's operation on every host: what its
// errors are called, what each host runs, and which event makes a host's result.

/** Runs `operation` on the hosts `options.hosts` names (every host by default). */
export function runOnFleet<E, R>(
  hosts: HostList,
  action: string,
  operation: (client: PodmanClient, host: string) => Observable<E>,
  options: FleetRunOptions<E, R>,
): Observable<FleetEvent<E, R>> {
  return defer(() =>
    runOnHosts<E, R>(
      action,
      hosts.select(options.hosts, action).map((host) => ({
        name: host.name,
        operation: () => operation(host.client, host.name),
      })),
      options,
    )
  );
}

/** `images.pull` on every host; a host's result is the pulled image. */
export function pullOnFleet(
  hosts: HostList,
  repository: string,
  options?: PullOptions & FleetOptions,
): Observable<FleetEvent<PullEvent, Image>> {
  const [fleet, own] = split(options);
  return runOnFleet<PullEvent, Image>(
    hosts,
    `Cannot pull "${repository}"`,
    (client) => client.images.pull(repository, own),
    { ...fleet, result: (previous, event) => event.type === "pulled" ? event.image : previous },
  );
}

/** `images.push` on every host; a host's result is its `pushed` event. */
export function pushOnFleet(
  hosts: HostList,
  repository: string,
  options?: PushOptions & FleetOptions,
): Observable<FleetEvent<PushEvent, PushedEvent>> {
  const [fleet, own] = split(options);
  return runOnFleet<PushEvent, PushedEvent>(
    hosts,
    `Cannot push "${repository}"`,
    (client) => client.images.push(repository, own),
    { ...fleet, result: (previous, event) => event.type === "pushed" ? event : previous },
  );
}

/** `images.build` on every host; a host's result is the built image. */
export function buildOnFleet(
  hosts: HostList,
  options: BuildOptions & FleetOptions,
): Observable<FleetEvent<BuildEvent, Image>> {
  const [fleet, own] = split(options);
  return runOnFleet<BuildEvent, Image>(
    hosts,
    "Cannot build",
    (client) => client.images.build(own as BuildOptions),
    { ...fleet, result: (previous, event) => event.type === "built" ? event.image : previous },
  );
}

/**
 * `images.load` on every host; a host's result is the list of loaded images. A
 * `ReadableStream` is read once and fanned out to every host at once.
 */
export function loadOnFleet(
  hosts: HostList,
  source: LoadSource,
  options?: OperationOptions & FleetOptions,
): Observable<FleetEvent<Image, Image[]>> {
  const [fleet, own] = split(options);
  const action = "Cannot load images";
  const collect = (previous: Image[] | undefined, image: Image) => [...previous ?? [], image];
  if (!(source instanceof ReadableStream)) {
    return runOnFleet(hosts, action, (client) => client.images.load(source, own), {
      ...fleet,
      result: collect,
    });
  }
  return defer(() => {
    const selected = hosts.select(fleet.hosts, action);
    const branches = fanOut(source, selected.length);
    return runOnHosts(
      action,
      selected.map((host, index) => ({
        name: host.name,
        operation: () => host.client.images.load(branches[index]!, own),
      })),
      { ...fleet, concurrency: Infinity, result: collect },
    );
  });
}

/** `images.list` on every host; a host's result is its list. */
export function listOnFleet(
  hosts: HostList,
  options?: ListOptions & FleetOptions,
): Observable<FleetEvent<Image[], Image[]>> {
  const [fleet, own] = split(options);
  return runOnFleet(hosts, "Cannot list images", (client) => client.images.list(own), fleet);
}

/** `images.exists` on every host; a host's result is `true` or `false`. */
export function existsOnFleet(
  hosts: HostList,
  name: string,
  options?: OperationOptions & FleetOptions,
): Observable<FleetEvent<boolean, boolean>> {
  const [fleet, own] = split(options);
  return runOnFleet(
    hosts,
    `Cannot tell whether image "${name}" exists`,
    (client) => client.images.exists(name, own),
    fleet,
  );
}

/** `images.get` on every host; a host's result is the image. */
export function getOnFleet(
  hosts: HostList,
  name: string,
  options?: OperationOptions & FleetOptions,
): Observable<FleetEvent<Image, Image>> {
  const [fleet, own] = split(options);
  return runOnFleet(
    hosts,
    `Cannot inspect image "${name}"`,
    (client) => client.images.get(name, own),
    fleet,
  );
}

/** `images.remove` on every host; a host's result is its report. */
export function removeOnFleet(
  hosts: HostList,
  name: string,
  options?: RemoveOptions & FleetOptions,
): Observable<FleetEvent<RemoveReport, RemoveReport>> {
  const [fleet, own] = split(options);
  return runOnFleet(
    hosts,
    `Cannot remove image "${name}"`,
    (client) => client.images.remove(name, own),
    fleet,
  );
}

/** `images.prune` on every host; a host's result is its report. */
export function pruneOnFleet(
  hosts: HostList,
  options?: PruneOptions & FleetOptions,
): Observable<FleetEvent<PruneReport, PruneReport>> {
  const [fleet, own] = split(options);
  return runOnFleet(hosts, "Cannot prune images", (client) => client.images.prune(own), fleet);
}

/** `image.tag` on every host, after looking the image up there. */
export function tagOnFleet(
  hosts: HostList,
  name: string,
  repository: string,
  tag?: string,
  options?: TagOptions & FleetOptions,
): Observable<FleetEvent<boolean, boolean>> {
  const [fleet, own] = split(options);
  return runOnFleet(
    hosts,
    `Cannot tag image "${name}" as "${repository}:${tag ?? "latest"}"`,
    (client) =>
      client.images.get(name, own).pipe(concatMap((image) => image.tag(repository, tag, own))),
    fleet,
  );
}
