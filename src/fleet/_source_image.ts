import { catchError, concatMap, defer, last, type Observable, tap } from "rxjs";
import { PodmanError } from "../errors.ts";
import type { Image } from "../images/image.ts";
import type { DistributeOutcome } from "./_distributed_result.ts";
import type { DistributedImage } from "./distribute_event.ts";
import type { DistributeOptions } from "./distribute_options.ts";
import { FleetError } from "./fleet_error.ts";
import type { FleetHost } from "./fleet_host.ts";

/** An image id, whole or cut short, with or without `sha256:`, as opposed to a name. */
export const IMAGE_ID: RegExp = /^(?:sha256:)?[0-9a-f]{6,64}$/;

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

/** Checks that a host ended with the source's image id; another id fails that host. */
export function sameIdAsSource(
  action: string,
  source: Image,
): (result: DistributedImage, host: string) => void {
  return (result, host) => {
    if (result.id !== source.id) {
      throw new PodmanError(
        `${action} to ${host}: it has image ${result.id.slice(0, 12)}, ` +
          `the source has ${source.id.slice(0, 12)}`,
      );
    }
  };
}
