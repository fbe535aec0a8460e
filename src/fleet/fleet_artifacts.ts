/**
 * `fleet.artifacts`: every OCI artifact operation on every host, as the manager's own (see
 * {@linkcode FleetForms}), plus `distribute`.
 *
 * @module
 */

import { defer, finalize, type Observable } from "rxjs";
import { operationOf } from "../async/operation.ts";
import type { Artifact } from "../artifacts/artifact.ts";
import type { ArtifactsManager } from "../artifacts/artifacts_manager.ts";
import type {
  AddArtifactOptions,
  ArtifactFileSource,
  ArtifactSource,
} from "../artifacts/operations/add.ts";
import type { ArtifactAddEvent } from "../artifacts/operations/transfer_events.ts";
import { fanOut } from "./_fan_out.ts";
import type { HostList } from "./_host_list.ts";
import { distributeArtifact } from "./distribute_artifact.ts";
import type { DistributeArtifactEvent, DistributedArtifact } from "./distribute_artifact_event.ts";
import type { DistributeArtifactOptions } from "./distribute_artifact_options.ts";
import type { FleetEvent, FleetOptions } from "./fleet_event.ts";
import { runOnHosts } from "./run_on_hosts.ts";
import { splitFleetOptions } from "./_split_fleet_options.ts";
import { type FleetForms, fleetForms, withForms } from "./fleet_forms.ts";

/**
 * The OCI artifact operations of a {@linkcode Fleet} (Podman 5.6 and later on each host):
 * each of {@linkcode ArtifactsManager}'s on every host (or those of `hosts`), as one cold
 * Observable of host-tagged events with one outcome per host, like the fleet's image
 * operations; a host whose server is older fails with the version it needs. And
 * `distribute`.
 *
 * @example Distributing a model from the build host to every other host
 * ```ts check-only
 * import { Fleet } from "@podrx/podrx";
 * import { lastValueFrom } from "rxjs";
 *
 * await using fleet = new Fleet({
 *   build: "unix:///run/podman/podman.sock",
 *   edge: "ssh://core@10.0.0.5/run/podman/podman.sock",
 * });
 * await lastValueFrom(
 *   fleet.artifacts.distribute("registry.example.com/ai/model:1", { from: "build" }),
 * );
 * ```
 */
export interface FleetArtifacts extends FleetForms<ArtifactsManager> {
  /**
   * Adds files to an artifact on every host. A file whose `data` is a stream is read once and
   * fed to every host at once, at the pace of the slowest (as `fleet.images.load` feeds a
   * stream); then every host runs at the same time whatever `concurrency` says, and a host's
   * retry fails on its spent stream. Other sources are sent to each host as they are.
   */
  add(
    name: string,
    sources: ArtifactSource | readonly ArtifactSource[],
    options?: AddArtifactOptions & FleetOptions,
  ): Observable<FleetEvent<ArtifactAddEvent, Artifact>>;
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
   */
  distribute(
    name: string,
    options: DistributeArtifactOptions,
  ): Observable<FleetEvent<DistributeArtifactEvent, DistributedArtifact>>;
}

/** Makes {@linkcode FleetArtifacts} for the fleet's hosts. */
export function fleetArtifacts(hosts: HostList): FleetArtifacts {
  const forms = fleetForms(hosts, "artifacts");
  const own: Pick<FleetArtifacts, "add" | "distribute"> = {
    add: (name, sources, options) =>
      [sources].flat().some(isStreamed)
        ? addStreamed(hosts, name, sources, options)
        : forms.add(name, sources, options),
    distribute: (name, options) => distributeArtifact(hosts, name, options),
  };
  return withForms<FleetArtifacts, typeof own>(own, forms);
}

/** A file source whose data is a stream. */
type StreamedSource = ArtifactFileSource & { data: ReadableStream<Uint8Array> };

function isStreamed(source: ArtifactSource): source is StreamedSource {
  return typeof source === "object" && !(source instanceof URL) &&
    source.data instanceof ReadableStream;
}

/**
 * `add` with streamed files: each stream split into one branch per host (see
 * {@linkcode fanOut}), every host at once. A host that ends before it read a branch (it failed,
 * or was cut) cancels what it left, so the others do not wait for it.
 */
function addStreamed(
  hosts: HostList,
  name: string,
  sources: ArtifactSource | readonly ArtifactSource[],
  options: (AddArtifactOptions & FleetOptions) | undefined,
): Observable<FleetEvent<ArtifactAddEvent, Artifact>> {
  return defer(() => {
    const [fleet, own] = splitFleetOptions(options);
    // The add's own words, as on one client; making the operation sends nothing.
    const { action } = hosts.first.artifacts.add(name, sources, own);
    const selected = hosts.select(fleet.hosts, action);
    const files = [sources].flat();
    const split = files.map((source) =>
      isStreamed(source) ? fanOut(source.data, selected.length) : undefined
    );
    return runOnHosts<ArtifactAddEvent, Artifact>(
      action,
      selected.map((host, index) => {
        const branches = split.flatMap((branch) => branch ? [branch[index]!] : []);
        const hostFiles = files.map((source, file) =>
          isStreamed(source) ? { ...source, data: split[file]![index]! } : source
        );
        return {
          name: host.name,
          operation: () => {
            const adding = host.client.artifacts.add(name, hostFiles, own);
            // Still an Operation, so the host's result is the artifact, as on one client.
            return operationOf(
              () => adding.action,
              adding.pipe(finalize(() => {
                for (const branch of branches) {
                  if (!branch.locked) branch.cancel().catch(() => {});
                }
              })),
              () => adding.collect(),
            );
          },
        };
      }),
      // Every branch must be read or cancelled, or the stream stalls for all.
      { ...fleet, concurrency: Infinity },
    );
  });
}
