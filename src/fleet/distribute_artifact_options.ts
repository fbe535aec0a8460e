import type { FleetOptions } from "./fleet_event.ts";
import type { RegistryAccess } from "./registry_access.ts";

/**
 * Options for `fleet.artifacts.distribute`: the source host, how the hosts reach the registry
 * the artifact's name points to, and the fleet options (`concurrency` and `failFast` apply to
 * the pulls, `retry` to the push and each pull).
 */
export interface DistributeArtifactOptions extends FleetOptions, RegistryAccess {
  /** The host that has the artifact, by name. Every other host (of `hosts`) receives it. */
  from: string;
  /**
   * Milliseconds each host's request may take before it fails (an artifact push or pull
   * answers once, when it is over, so this bounds the whole transfer).
   * @default {undefined} no limit
   */
  timeout?: number;
}
