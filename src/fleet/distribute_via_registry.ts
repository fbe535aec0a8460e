import { concat, type Observable } from "rxjs";
import type { Image } from "../images/image.ts";
import { parseReference } from "../images/params/reference.ts";
import type { AuthConfig } from "../images/params/registry_auth.ts";
import { distributedResult, type DistributeOutcome, overAllHosts } from "./_distributed_result.ts";
import { namedById, sameIdAsSource, withSourceImage } from "./_source_image.ts";
import { splitFleetOptions } from "./_split_fleet_options.ts";
import type { DistributedImage, DistributeEvent } from "./distribute_event.ts";
import type { DistributeOptions, RegistryRoute } from "./distribute_options.ts";
import { FleetError } from "./fleet_error.ts";
import type { FleetHost } from "./fleet_host.ts";
import { runOnHosts } from "./run_on_hosts.ts";

function authFor(route: RegistryRoute, host: string): AuthConfig | undefined {
  return typeof route.authConfig === "function" ? route.authConfig(host) : route.authConfig;
}

/** The image's name in the registry: the route's repository and tag, else the image's own. */
function destinationOf(route: RegistryRoute, name: string, image: Image): string {
  const reference = parseReference(namedById(name, image) ? image.tags[0] ?? "" : name);
  const repository = route.repository ?? reference.path;
  return `${route.registry}/${repository}:${route.tag ?? reference.tag ?? "latest"}`;
}

/**
 * The registry route of {@linkcode Fleet.distribute}: push once from the source, then pull on
 * every target (`concurrency`, `failFast` and `retry` apply to the pulls).
 */
export function distributeViaRegistry(
  source: FleetHost,
  targets: readonly FleetHost[],
  name: string,
  route: RegistryRoute,
  options: DistributeOptions,
): Observable<DistributeOutcome> {
  const action = `Cannot distribute "${name}"`;
  const timeout = options.timeout === undefined ? {} : { timeout: options.timeout };
  return withSourceImage(action, source, targets, name, options, (image) => {
    if (route.repository === undefined && namedById(name, image) && image.tags.length === 0) {
      throw new FleetError(action, targets.length + 1, [{
        host: source.name,
        error: new TypeError(`${action}: the image has no name; give the route a repository`),
      }], targets.map((target) => target.name));
    }
    const destination = destinationOf(route, name, image);
    const tls = route.tlsVerify === undefined ? {} : { tlsVerify: route.tlsVerify };
    const auth = (host: string) => {
      const config = authFor(route, host);
      return config === undefined ? {} : { authConfig: config };
    };
    const fold = (previous: DistributedImage | undefined, event: DistributeEvent) =>
      distributedResult(previous, event, () => image);
    const total = targets.length + 1;
    const push = runOnHosts<DistributeEvent, DistributedImage>(action, [{
      name: source.name,
      operation: () =>
        source.client.images.push(image.id, {
          destination,
          ...tls,
          ...auth(source.name),
          ...timeout,
        }),
    }], { retry: options.retry ?? 0, result: fold }).pipe(
      overAllHosts(action, total, targets.map((target) => target.name)),
    );
    const [fleet] = splitFleetOptions(options);
    const pulls = runOnHosts<DistributeEvent, DistributedImage>(
      action,
      targets.map((target) => ({
        name: target.name,
        operation: () =>
          target.client.images.pull(destination, { ...tls, ...auth(target.name), ...timeout }),
      })),
      { ...fleet, result: fold, verify: sameIdAsSource(action, image) },
    ).pipe(overAllHosts(action, total, []));
    return concat(push, pulls);
  });
}
