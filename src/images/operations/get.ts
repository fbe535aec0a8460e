import type { Operation } from "../../async/operation.ts";
import type { ApiRequest } from "../../client/api_request.ts";
import type { Observable } from "rxjs";
import type { OperationOptions } from "../../client/operation.ts";
import { pathSegment, requestJson, requestJsonOnSubscribe } from "../../client/request_json.ts";
import { requireName } from "../../vocabulary/reference.ts";
import type { ImagesContext } from "./images_context.ts";
import { IMAGE_RACE_RETRY } from "./_retry_image_race.ts";
import type { ImageAttrs } from "../../vocabulary/reports.ts";

/**
 * `GET /libpod/images/{name}/json`: an image's attributes by name or id.
 *
 * @returns A cold Observable of the model; errors with `ImageNotFound` at once when there is
 * none by that name (a 404), with `TypeError` (before anything is sent) when the name is empty
 * or not a string. A 500 "image not known" (Podman 4, when another client removes an image
 * meanwhile) is retried: 5 tries in all, 50, 100, 200 then 400 ms apart.
 */
export function getImage<M>(
  context: ImagesContext<M>,
  name: string,
  options?: OperationOptions,
): Operation<M> {
  return requestJsonOnSubscribe(
    context.requester,
    () => `Cannot get image "${name}"`,
    (action) => {
      requireName(name, action);
      return inspectRequest(name, action);
    },
    options,
    (body) => context.toImage(body as ImageAttrs, name),
    IMAGE_RACE_RETRY,
  );
}

/**
 * The inspect request behind `get` and `Image.reload`, with the caller's action in errors;
 * `named` is the name the model keeps for messages (none: its first tag or short id).
 */
export function inspectImage<M>(
  context: ImagesContext<M>,
  name: string,
  action: string,
  options?: OperationOptions,
  named?: string,
): Observable<M> {
  return requestJson(
    context.requester,
    inspectRequest(name, action),
    options,
    (body) => context.toImage(body as ImageAttrs, named),
    IMAGE_RACE_RETRY,
  );
}

function inspectRequest(name: string, action: string): ApiRequest {
  return { path: `/images/${pathSegment(name)}/json`, action, notFound: "image" };
}
