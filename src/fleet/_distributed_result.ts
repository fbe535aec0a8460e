import type { Image } from "../images/image.ts";
import type { DistributedImage, DistributeEvent } from "./distribute_event.ts";
import type { FleetEvent } from "./fleet_event.ts";

/** What a distribution emits, for every host (the source included). */
export type DistributeOutcome = FleetEvent<DistributeEvent, DistributedImage>;

/**
 * Folds a host's distribution events into its result: a target's is the image it loaded or
 * pulled, the source's is its own image once its archive is read or its push is done.
 */
export function distributedResult(
  previous: DistributedImage | undefined,
  event: DistributeEvent,
  source: () => Image,
): DistributedImage | undefined {
  switch (event.type) {
    case "loaded":
      return { id: event.image.id, image: event.image };
    case "pulled":
      return { id: event.image.id, image: event.image };
    case "saved":
    case "pushed":
      return { id: source().id, image: source() };
    default:
      return previous;
  }
}
