import type { Operation } from "../../async/operation.ts";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment, requestJsonOnSubscribe } from "../../client/request_json.ts";
import type { ImageRef } from "./images_context.ts";
import { type HistoryEntry, readHistory } from "../../vocabulary/reports.ts";
import { IMAGE_RACE_RETRY } from "./_retry_image_race.ts";

/**
 * `GET /libpod/images/{id}/history`: an image's layer history.
 *
 * @returns A cold Observable of the history, newest layer first. A 500 "image not known"
 * (Podman 4, when another client removes an image meanwhile) is retried: 5 tries in all, 50,
 * 100, 200 then 400 ms apart.
 */
export function imageHistory(
  requester: Requester,
  image: ImageRef,
  options?: OperationOptions,
): Operation<HistoryEntry[]> {
  return requestJsonOnSubscribe(
    requester,
    () => `Cannot read the history of image "${image.name}"`,
    (action) => ({ path: `/images/${pathSegment(image.id)}/history`, action, notFound: "image" }),
    options,
    readHistory,
    IMAGE_RACE_RETRY,
  );
}
