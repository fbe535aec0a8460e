import { lastOf } from "../../async/settle.ts";
import type { OperationOptions } from "../../client/operation.ts";
import { getImage } from "./get.ts";
import type { ImagesContext } from "./images_context.ts";

/**
 * Inspects an image an operation just made or stored (pull, load, build) and waits for its
 * model; aborting `signal` stops the inspect.
 */
export function inspectMade<M>(
  context: ImagesContext<M>,
  name: string,
  signal: AbortSignal,
  options?: OperationOptions,
): Promise<M> {
  return lastOf(getImage(context, name, options), signal);
}
