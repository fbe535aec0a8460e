import type { Observable } from "rxjs";
import type { OperationOptions } from "../../client/operation.ts";
import { requestJson } from "../../client/request_json.ts";
import type { Requester } from "../../client/requester.ts";
import { encodeFilters } from "../../vocabulary/filters.ts";
import { IMAGE_RACE_RETRY } from "./_retry_image_race.ts";
import type { ImageAttrs } from "../../vocabulary/reports.ts";

/**
 * The tags that `repository` (registry and path, no tag) has locally, sorted and each once:
 * `GET /libpod/images/json` with the `reference` filter `<repository>:*`, then only the names
 * that are exactly `<repository>:<tag>`. The filter is a first cut only: Podman matches it
 * against shortened forms of every name of an image (without registry, without path), and an
 * image it lets through may carry names of other repositories too. Empty when there are none.
 */
export function localTags(
  requester: Requester,
  repository: string,
  options: OperationOptions,
  action: string,
): Observable<string[]> {
  const prefix = `${repository}:`;
  return requestJson(
    requester,
    {
      path: "/images/json",
      query: { filters: encodeFilters({ reference: `${prefix}*` }) },
      action,
    },
    options,
    (body) => {
      const tags = new Set<string>();
      for (const attrs of (body ?? []) as ImageAttrs[]) {
        for (const name of attrs.RepoTags ?? []) {
          const tag = name.startsWith(prefix) ? name.slice(prefix.length) : "";
          // For the repository `localhost`, `localhost:5000/a:1` has the right start but is
          // another repository's name: a tag holds no `/`.
          if (tag !== "" && !tag.includes("/")) tags.add(tag);
        }
      }
      return [...tags].sort();
    },
    IMAGE_RACE_RETRY,
  );
}
