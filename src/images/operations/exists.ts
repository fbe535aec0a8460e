import type { Operation } from "../../async/operation.ts";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment, requestJsonOnSubscribe } from "../../client/request_json.ts";
import { requireName } from "../../vocabulary/reference.ts";
import { IMAGE_RACE_RETRY } from "./_retry_image_race.ts";

/**
 * `GET /libpod/images/{name}/exists`: whether an image is in local storage.
 *
 * @returns A cold Observable of `true` (204) or `false` (404); any other answer is an error,
 * not `false`, except a 500 "image not known" (Podman 4, when another client removes an image
 * meanwhile), which is retried: 5 tries in all, 50, 100, 200 then 400 ms apart.
 * A name that is empty or not a string errors it with `TypeError`, before anything is sent.
 */
export function imageExists(
  requester: Requester,
  name: string,
  options?: OperationOptions,
): Operation<boolean> {
  return requestJsonOnSubscribe(
    requester,
    () => `Cannot check whether image "${name}" exists`,
    (action) => {
      requireName(name, action);
      return { path: `/images/${pathSegment(name)}/exists`, action, notFound: "image" };
    },
    options,
    () => true,
    IMAGE_RACE_RETRY,
    false,
  );
}
