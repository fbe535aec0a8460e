import { lastOf } from "../../async/settle.ts";
import type { OperationOptions } from "../../client/operation.ts";
import { inspectImage } from "./get.ts";
import type { ImagesContext } from "./images_context.ts";

/**
 * Inspects an image an operation just made or stored (pull, load, build) and waits for its
 * model; aborting `signal` stops the inspect. `named` is the reference the caller pulled or
 * built, which the model keeps for messages; without it the model goes by its first tag or
 * short id, never by the id it was inspected by.
 */
export function storedImageModel<M>(
  context: ImagesContext<M>,
  idOrName: string,
  signal: AbortSignal,
  options?: OperationOptions,
  named?: string,
): Promise<M> {
  const action = `Cannot get image "${idOrName}"`;
  return lastOf(inspectImage(context, idOrName, action, options, named), signal);
}
