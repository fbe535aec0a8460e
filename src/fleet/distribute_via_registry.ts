import type { Observable } from "rxjs";
import type { Image } from "../images/image.ts";
import { parseReference } from "../vocabulary/reference.ts";
import { distributedResult, type DistributeOutcome } from "./_distributed_result.ts";
import { pushThenPull, transferOptions } from "./_push_then_pull.ts";
import { namedById, sameIdAsSource, withSourceImage } from "./_source_image.ts";
import { sourceFailed } from "./_source_lookup.ts";
import type { DistributedImage, DistributeEvent } from "./distribute_event.ts";
import type { DistributeOptions, RegistryRoute } from "./distribute_options.ts";
import type { FleetHost } from "./fleet_host.ts";

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
  return withSourceImage(action, source, targets, name, options, (image) => {
    if (route.repository === undefined && namedById(name, image) && image.tags.length === 0) {
      throw sourceFailed(
        action,
        source,
        targets,
        new TypeError(`${action}: the image has no name; give the route a repository`),
      );
    }
    const destination = destinationOf(route, name, image);
    return pushThenPull<DistributeEvent, DistributedImage>({
      action,
      source,
      targets,
      push: () =>
        source.client.images.push(image.id, {
          destination,
          ...transferOptions(route, source.name, options.timeout),
        }),
      pull: (target) =>
        target.client.images.pull(
          destination,
          transferOptions(route, target.name, options.timeout),
        ),
      result: (previous, event) => distributedResult(previous, event, () => image),
      verify: sameIdAsSource(action, image),
    }, options);
  });
}
