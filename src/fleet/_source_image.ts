import type { Observable } from "rxjs";
import { PodmanError } from "../errors.ts";
import type { Image } from "../images/image.ts";
import { algorithmOf, imageIdStartsWith, sameImageId, shortId } from "../vocabulary/image_id.ts";
import type { DistributeOutcome } from "./_distributed_result.ts";
import type { DistributedImage } from "./distribute_event.ts";
import type { DistributeOptions } from "./distribute_options.ts";
import type { FleetHost } from "./fleet_host.ts";
import { withSource } from "./_source_lookup.ts";

/**
 * Whether `name` names `image` by its id rather than by a name: the id as the source server
 * wrote it, whole or cut short (at least 6 characters), with or without an `algorithm:` such
 * as `sha256:`. Told by the id the server reported, not by a form of ids, which Podman 6 says
 * will change.
 */
export function namedById(name: string, image: Image): boolean {
  return name.length - algorithmOf(name).length >= 6 && imageIdStartsWith(image.id, name);
}

/**
 * Reads the source image, then runs `rest` with it; a missing image fails the source host
 * and leaves every target not reached.
 */
export function withSourceImage(
  action: string,
  source: FleetHost,
  targets: readonly FleetHost[],
  name: string,
  options: DistributeOptions,
  rest: (image: Image) => Observable<DistributeOutcome>,
): Observable<DistributeOutcome> {
  const timeout = options.timeout === undefined ? {} : { timeout: options.timeout };
  return withSource(action, source, targets, source.client.images.get(name, timeout), rest);
}

/**
 * Checks that a host ended with the source's image id (`sha256:x` and `x` are one); another
 * id fails that host.
 */
export function sameIdAsSource(
  action: string,
  source: Image,
): (result: DistributedImage, host: string) => void {
  return (result, host) => {
    if (!sameImageId(result.id, source.id)) {
      throw new PodmanError(
        `${action} to ${host}: it has image ${shortId(result.id)}, ` +
          `the source has ${shortId(source.id)}`,
      );
    }
  };
}
