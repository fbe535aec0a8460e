/**
 * `fleet.images`: every image operation on every host, as the manager's own (see
 * {@linkcode FleetForms}), plus what only a fleet does with images: load one stream into
 * every host, tag, and distribute an image from one host to the others.
 *
 * @module
 */

import { concatMap, defer, from, type Observable, switchMap } from "rxjs";
import { readAllBytes } from "../bytes/read_all_bytes.ts";
import type { Image } from "../images/image.ts";
import type { ImagesManager } from "../images/images_manager.ts";
import type { BuildOptions } from "../images/operations/building/build_options.ts";
import type { BuildEvent, BuildResult } from "../images/image_events.ts";
import type { LoadOptions, LoadSource } from "../images/operations/load_options.ts";
import { useStreamOnce } from "../streams/_single_use.ts";
import type { TagOptions } from "../images/operations/tag.ts";
import { fanOut } from "./_fan_out.ts";
import type { HostList } from "./_host_list.ts";
import { splitFleetOptions } from "./_split_fleet_options.ts";
import { distribute } from "./distribute.ts";
import type { DistributedImage, DistributeEvent } from "./distribute_event.ts";
import type { DistributeOptions } from "./distribute_options.ts";
import { type FleetForms, fleetForms, withForms } from "./fleet_forms.ts";
import type { FleetEvent, FleetOptions } from "./fleet_event.ts";
import { runOnHosts } from "./run_on_hosts.ts";

/**
 * The image operations of a {@linkcode Fleet}: each of {@linkcode ImagesManager}'s, on every
 * host, with the fleet's options among its own; and `tag` and `distribute`.
 *
 * @example
 * ```ts check-only
 * import { Fleet } from "@podrx/podrx";
 * import { filter } from "rxjs";
 *
 * await using fleet = new Fleet({ a: "unix:///run/podman/podman.sock", b: "ssh://core@10.0.0.5" });
 * // Each host's result is what `podman.images.promises.pull()` gives there: the image.
 * await fleet.images.pull("quay.io/podman/hello", { concurrency: 1 })
 *   .pipe(filter((event) => event.type === "done"))
 *   .forEach((event) => console.log(event.host, event.result.id));
 * ```
 */
export interface FleetImages extends FleetForms<ImagesManager> {
  /**
   * Builds on every host. A Dockerfile given as a stream (`fileobj`) is read whole once, as one
   * host's build reads it, and sent to every host as bytes; any other stream (`customContext`)
   * can feed one host only.
   */
  build(
    options: BuildOptions & FleetOptions,
  ): Observable<FleetEvent<BuildEvent, BuildResult>>;
  /**
   * Loads an archive into every host. A stream is read once and fed to every host at the
   * pace of the slowest; a path, URL or bytes are sent to each as they are.
   */
  load(
    source: LoadSource,
    options?: LoadOptions & FleetOptions,
  ): Observable<FleetEvent<Image, Image[]>>;
  /** Tags an image on every host; each host's result is `true` once tagged. */
  tag(
    name: string,
    repository: string,
    tag?: string,
    options?: TagOptions & FleetOptions,
  ): Observable<FleetEvent<boolean, boolean>>;
  /**
   * Copies an image from one host to the others: through a registry when the options name
   * one, else as an archive streamed from the source host into every target at once.
   */
  distribute(
    name: string,
    options: DistributeOptions,
  ): Observable<FleetEvent<DistributeEvent, DistributedImage>>;
}

/** Makes {@linkcode FleetImages} for the fleet's hosts. */
export function fleetImages(hosts: HostList): FleetImages {
  const forms = fleetForms(hosts, "images");
  const own: Pick<FleetImages, "build" | "load" | "tag" | "distribute"> = {
    build: (options) =>
      options?.fileobj instanceof ReadableStream
        ? buildFromStreamedDockerfile(hosts, forms, options, options.fileobj)
        : forms.build(options),
    load: (source, options) =>
      source instanceof ReadableStream
        ? loadStream(hosts, source, options)
        : forms.load(source, options),
    tag: (name, repository, tag, options) => tagOnHosts(hosts, name, repository, tag, options),
    distribute: (name, options) => distribute(hosts, name, options),
  };
  return withForms<FleetImages, typeof own>(own, forms);
}

/**
 * A build whose Dockerfile is a stream: read whole once (the build of one host reads it whole
 * too, for its tar header) and given to every host as bytes.
 */
function buildFromStreamedDockerfile(
  hosts: HostList,
  forms: FleetForms<ImagesManager>,
  options: BuildOptions & FleetOptions,
  dockerfile: ReadableStream<Uint8Array>,
): Observable<FleetEvent<BuildEvent, BuildResult>> {
  return defer(() => {
    // The build's own words (its first tag), as one host's build would say them; nothing is sent.
    const { action } = hosts.first.images.build(options);
    const read = readAllBytes(useStreamOnce(dockerfile, "fileobj", action));
    return from(read).pipe(switchMap((fileobj) => forms.build({ ...options, fileobj })));
  });
}

/** One stream, read once, fed to every host at once (see {@linkcode fanOut}). */
function loadStream(
  hosts: HostList,
  source: ReadableStream<Uint8Array>,
  options: (LoadOptions & FleetOptions) | undefined,
): Observable<FleetEvent<Image, Image[]>> {
  return defer(() => {
    const [fleet, own] = splitFleetOptions(options);
    const action = "Cannot load images";
    const selected = hosts.select(fleet.hosts, action);
    const branches = fanOut(source, selected.length);
    return runOnHosts<Image, Image[]>(
      action,
      selected.map((host, index) => ({
        name: host.name,
        operation: () => host.client.images.load(branches[index]!, own),
      })),
      // Every branch must be read, or the stream stalls for all: no host waits its turn.
      { ...fleet, concurrency: Infinity },
    );
  });
}

function tagOnHosts(
  hosts: HostList,
  name: string,
  repository: string,
  tag: string | undefined,
  options: (TagOptions & FleetOptions) | undefined,
): Observable<FleetEvent<boolean, boolean>> {
  return defer(() => {
    const [fleet, own] = splitFleetOptions(options);
    const action = `Cannot tag image "${name}" as "${repository}:${tag ?? "latest"}"`;
    return runOnHosts<boolean, boolean>(
      action,
      hosts.select(fleet.hosts, action).map((host) => ({
        name: host.name,
        operation: () =>
          host.client.images.get(name, own).pipe(
            concatMap((image) => image.tag(repository, tag, own)),
          ),
      })),
      fleet,
    );
  });
}
