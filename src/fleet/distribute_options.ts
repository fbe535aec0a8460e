import type { FleetOptions } from "./fleet_event.ts";
import type { RegistryAccess } from "./registry_access.ts";

/** How {@linkcode Fleet.distribute} moves an image through a registry. */
export interface RegistryRoute extends RegistryAccess {
  /** The registry's `host[:port]`, e.g. `registry.example.com` or `127.0.0.1:5000`. */
  registry: string;
  /**
   * The repository in that registry.
   * @default {the image's own repository path, e.g. `team/app`}
   */
  repository?: string;
  /**
   * The tag in that registry.
   * @default {the image's own tag, else `latest`}
   */
  tag?: string;
}

/** Options for {@linkcode Fleet.distribute}. */
export interface DistributeOptions extends FleetOptions {
  /** The host that has the image, by name. Every other host (of `hosts`) receives it. */
  from: string;
  /**
   * The way the image travels: `"stream"` saves it once from the source and loads that one
   * read into every host at the same time (no registry; `concurrency` and `retry` do not
   * apply to the loads, since a stream is read once); a {@linkcode RegistryRoute} pushes it
   * once and pulls it on every host.
   * @default {"stream"}
   */
  via?: "stream" | RegistryRoute;
  /**
   * Milliseconds each host's request may stay silent before it fails.
   * @default {undefined} no limit
   */
  timeout?: number;
}
