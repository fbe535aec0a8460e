import { deferredOperation, type Operation } from "../../async/operation.ts";
import { catchError } from "rxjs";
import { checkOperationOptions, type OperationOptions } from "../../client/operation.ts";
import { requestJson } from "../../client/request_json.ts";
import { encodeFilters, type Filters } from "../../vocabulary/filters.ts";
import type { ImagesContext } from "./images_context.ts";
import { nameBrokenLists } from "./_broken_list_hint.ts";
import { IMAGE_RACE_RETRY } from "./_retry_image_race.ts";
import type { ImageAttrs } from "../../vocabulary/reports.ts";

/** Options for {@linkcode ImagesManager.list}. */
export interface ListOptions extends OperationOptions {
  /** Only images whose name matches (sent as the `reference` filter, overriding one in `filters`). */
  name?: string;
  /**
   * Include intermediate images.
   * @default {false}
   */
  all?: boolean;
  /** `dangling`, `label`, `reference`, `before`, `since`, `until`, `id`, `intermediate`, ... */
  filters?: Filters;
}

/**
 * `GET /libpod/images/json`: the local images. Podman 4 answers a 500 ("image not known", or
 * an error blaming one image found half gone) when another client removes an image during
 * the listing; those answers alone are retried (5 tries in all, 50, 100, 200 then 400 ms
 * apart; see `isImageRace`).
 *
 * @returns A cold Observable of one array of models; it errors with `TypeError` (before
 * anything is sent) when `filters` is not an object of filter values.
 */
export function listImages<M>(
  context: ImagesContext<M>,
  options: ListOptions = {},
): Operation<M[]> {
  return deferredOperation("Cannot list images", (action) => {
    checkOperationOptions(options, action);
    // Encoding first rejects filters that are not an object, before the spread hides it.
    encodeFilters(options.filters);
    const filters: Record<string, Filters[string]> = { ...options.filters };
    if (options.name !== undefined && typeof options.name !== "string") {
      throw new TypeError(`${action}: name must be a string, got ${typeof options.name}`);
    }
    if (options.name) filters.reference = options.name;
    return requestJson(
      context.requester,
      {
        path: "/images/json",
        query: { all: options.all, filters: encodeFilters(filters) },
        action,
      },
      options,
      (body) => ((body ?? []) as ImageAttrs[]).map((attrs) => context.toImage(attrs)),
      IMAGE_RACE_RETRY,
    ).pipe(catchError(nameBrokenLists(context.requester, options)));
  });
}
