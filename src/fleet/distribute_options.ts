import type { AuthConfig } from "../images/params/registry_auth.ts";
import type { FleetOptions } from "./fleet_event.ts";

/** How {@linkcode Fleet.distribute} moves an image through a registry. */
export interface RegistryRoute {
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
  /**
   * Verify the registry's TLS certificate (`false` also allows plain HTTP), for the push and
   * every pull.
   * @default {true}
   */
  tlsVerify?: boolean;
  /**
   * Credentials for the registry: the same for every host, or per host (by name; the source
   * host's are used for the push). A host for which the function gives `undefined` goes
   * without.
   * @default {undefined}
   */
  authConfig?: AuthConfig | ((host: string) => AuthConfig | undefined);
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
