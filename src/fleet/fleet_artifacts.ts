import { defer, type Observable } from "rxjs";
import type { OperationOptions } from "../client/operation.ts";
import type { Artifact } from "../artifacts/artifact.ts";
import {
  type ArtifactsToRemove,
  describeArtifacts,
  type RemoveArtifactOptions,
} from "../artifacts/operations/remove.ts";
import type { ArtifactTransferOptions } from "../artifacts/operations/_transfer_options.ts";
import type {
  ArtifactPullEvent,
  ArtifactPushedEvent,
  ArtifactPushEvent,
} from "../artifacts/operations/transfer_events.ts";
import type { HostList } from "./_host_list.ts";
import { runOnFleet } from "./_image_operations_on_fleet.ts";
import { splitFleetOptions as split } from "./_split_fleet_options.ts";
import { distributeArtifact } from "./distribute_artifact.ts";
import type { DistributeArtifactEvent, DistributedArtifact } from "./distribute_artifact_event.ts";
import type { DistributeArtifactOptions } from "./distribute_artifact_options.ts";
import type { FleetEvent, FleetOptions } from "./fleet_event.ts";

/**
 * The OCI artifact operations of a {@linkcode Fleet} (Podman 5.6 and later on each host), as
 * `fleet.artifacts`: each runs the host's `artifacts` operation on every host (or those of
 * `hosts`) as one cold Observable of host-tagged events, with one outcome per host, like the
 * fleet's image operations. A host whose server is older fails with the version it needs.
 *
 * @example Distributing a model from the build host to every other host
 * ```ts ignore
 * import { Fleet } from "@podrx/podrx";
 * import { lastValueFrom } from "rxjs";
 *
 * await using fleet = new Fleet({ build: "unix:///run/podman/podman.sock", edge: "ssh://..." });
 * await lastValueFrom(
 *   fleet.artifacts.distribute("registry.example.com/ai/model:1", { from: "build" }),
 * );
 * ```
 */
export class FleetArtifacts {
  readonly #hosts: HostList;

  /** Made by {@linkcode Fleet} as `fleet.artifacts`. */
  constructor(hosts: HostList) {
    this.#hosts = hosts;
  }

  /**
   * Pulls an artifact on every host; each host's result is the pulled artifact.
   *
   * @example
   * ```ts ignore
   * fleet.artifacts.pull("127.0.0.1:5000/ai/model:1", { tlsVerify: false, retry: 2 });
   * ```
   */
  pull(
    name: string,
    options?: ArtifactTransferOptions & FleetOptions,
  ): Observable<FleetEvent<ArtifactPullEvent, Artifact>> {
    const [fleet, own] = split(options);
    return runOnFleet<ArtifactPullEvent, Artifact>(
      this.#hosts,
      `Cannot pull artifact "${name}"`,
      (client) => client.artifacts.pull(name, own),
      {
        ...fleet,
        result: (previous, event) => event.type === "pulled" ? event.artifact : previous,
      },
    );
  }

  /**
   * Pushes an artifact from every host to the registry its name points to; each host's
   * result is its `pushed` event (with the digest). Hosts pushing one name race for its tag
   * (and may race in the registry): push from one host (`hosts`), or use `distribute`.
   *
   * @example
   * ```ts ignore
   * fleet.artifacts.push("127.0.0.1:5000/ai/model:1", { tlsVerify: false, hosts: ["build"] });
   * ```
   */
  push(
    name: string,
    options?: ArtifactTransferOptions & FleetOptions,
  ): Observable<FleetEvent<ArtifactPushEvent, ArtifactPushedEvent>> {
    const [fleet, own] = split(options);
    return runOnFleet<ArtifactPushEvent, ArtifactPushedEvent>(
      this.#hosts,
      `Cannot push artifact "${name}"`,
      (client) => client.artifacts.push(name, own),
      { ...fleet, result: (previous, event) => event.type === "pushed" ? event : previous },
    );
  }

  /**
   * Copies an artifact from one host (`from`) to every other host (of `hosts`) through the
   * registry its name points to: one push from the source, then a pull on every other host.
   *
   * Every host ends with the artifact's digest, which must equal the source's: a host that
   * ends up with another digest fails. The source's outcome comes first (its result: the
   * artifact as it has it).
   *
   * @param name The artifact on the source host, by name or digest; the hosts get it under
   * its name.
   * @param options The source host, TLS and credentials for the registry, and the fleet
   * options.
   * @returns A cold Observable of {@linkcode FleetEvent}s that completes when every host has
   * the artifact, else errors with a {@linkcode FleetError} naming every failed host (a
   * source that fails leaves the others not reached).
   *
   * @example
   * ```ts ignore
   * fleet.artifacts.distribute("127.0.0.1:5000/ai/model:1", { from: "build", tlsVerify: false });
   * ```
   */
  distribute(
    name: string,
    options: DistributeArtifactOptions,
  ): Observable<FleetEvent<DistributeArtifactEvent, DistributedArtifact>> {
    return distributeArtifact(this.#hosts, name, options);
  }

  /**
   * Inspects an artifact on every host; a host without it fails with `NotFound`.
   *
   * @example
   * ```ts ignore
   * fleet.artifacts.get("127.0.0.1:5000/ai/model:1");
   * ```
   */
  get(
    name: string,
    options?: OperationOptions & FleetOptions,
  ): Observable<FleetEvent<Artifact, Artifact>> {
    const [fleet, own] = split(options);
    return runOnFleet(
      this.#hosts,
      `Cannot get artifact "${name}"`,
      (client) => client.artifacts.get(name, own),
      fleet,
    );
  }

  /**
   * Tells whether each host has an artifact: each host's result is `true` or `false`.
   *
   * @example
   * ```ts ignore
   * fleet.artifacts.exists("127.0.0.1:5000/ai/model:1");
   * ```
   */
  exists(
    name: string,
    options?: OperationOptions & FleetOptions,
  ): Observable<FleetEvent<boolean, boolean>> {
    const [fleet, own] = split(options);
    return runOnFleet(
      this.#hosts,
      `Cannot tell whether artifact "${name}" exists`,
      (client) => client.artifacts.exists(name, own),
      fleet,
    );
  }

  /**
   * Lists the artifacts of every host; each host's result is its list.
   *
   * @example
   * ```ts ignore
   * fleet.artifacts.list({ hosts: ["edge1", "edge2"] });
   * ```
   */
  list(options?: OperationOptions & FleetOptions): Observable<FleetEvent<Artifact[], Artifact[]>> {
    const [fleet, own] = split(options);
    return runOnFleet(
      this.#hosts,
      "Cannot list artifacts",
      (client) => client.artifacts.list(own),
      fleet,
    );
  }

  /**
   * Removes artifacts from every host; each host's result is the digests it removed.
   *
   * @example
   * ```ts ignore
   * fleet.artifacts.remove("127.0.0.1:5000/ai/model:1", { ignore: true });
   * ```
   */
  remove(
    target: ArtifactsToRemove,
    options?: RemoveArtifactOptions & FleetOptions,
  ): Observable<FleetEvent<string[], string[]>> {
    const [fleet, own] = split(options);
    // Named at subscribe time: a malformed target is the stream's error, not a throw here.
    return defer(() =>
      runOnFleet<string[], string[]>(
        this.#hosts,
        `Cannot remove ${describeArtifacts(target)}`,
        (client) => client.artifacts.remove(target, own),
        fleet,
      )
    );
  }
}
