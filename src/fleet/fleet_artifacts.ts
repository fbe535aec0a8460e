/**
 * `fleet.artifacts`: every OCI artifact operation on every host, as the manager's own (see
 * {@linkcode FleetForms}), plus `distribute`.
 *
 * @module
 */

import type { Observable } from "rxjs";
import type { ArtifactsManager } from "../artifacts/artifacts_manager.ts";
import type { HostList } from "./_host_list.ts";
import { distributeArtifact } from "./distribute_artifact.ts";
import type { DistributeArtifactEvent, DistributedArtifact } from "./distribute_artifact_event.ts";
import type { DistributeArtifactOptions } from "./distribute_artifact_options.ts";
import type { FleetEvent } from "./fleet_event.ts";
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
  const own: Pick<FleetArtifacts, "distribute"> = {
    distribute: (name, options) => distributeArtifact(hosts, name, options),
  };
  return withForms<FleetArtifacts, typeof own>(own, forms);
}
