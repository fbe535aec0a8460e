import { catchError, concatMap, defer, last, type Observable, tap } from "rxjs";
import { PodmanError } from "../errors.ts";
import type { Image } from "../images/image.ts";
import { algorithmOf, imageIdStartsWith, sameImageId } from "../images/params/image_id.ts";
import type { DistributeOutcome } from "./_distributed_result.ts";
import type { DistributedImage } from "./distribute_event.ts";
import type { DistributeOptions } from "./distribute_options.ts";
import { FleetError } from "./fleet_error.ts";
import type { FleetHost } from "./fleet_host.ts";

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
  return defer(() => {
    let image: Image | undefined;
    const total = targets.length + 1;
    const lookup = source.client.images.get(
      name,
      options.timeout === undefined ? {} : { timeout: options.timeout },
    ).pipe(
      tap((found) => {
        image = found;
      }),
      last(),
      catchError((error: unknown) => {
        throw new FleetError(action, total, [{ host: source.name, error: error as Error }], [
          ...targets.map((target) => target.name),
        ]);
      }),
    );
    return lookup.pipe(concatMap(() => rest(image!)));
  });
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
      // 12 characters of each id, after its algorithm if it names one.
      const cut = (id: string) => id.slice(0, algorithmOf(id).length + 12);
      throw new PodmanError(
        `${action} to ${host}: it has image ${cut(result.id)}, the source has ${cut(source.id)}`,
      );
    }
  };
}
