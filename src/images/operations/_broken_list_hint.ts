import { catchError, concatMap, type Observable, of, throwError } from "rxjs";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { requestJson } from "../../client/request_json.ts";
import { APIError } from "../../errors.ts";
import { encodeFilters } from "../../vocabulary/filters.ts";
import type { ImageAttrs } from "../../vocabulary/reports.ts";
import { isImageRace } from "./_retry_image_race.ts";

// What Podman 4.3 answers to `GET /images/json` while a stored manifest list has no readable
// instance for the server's platform: it looks for parents among layerless images, opens the
// list as an image, and fails (500) on the instance it cannot choose or read.
const BROKEN_LIST = /image index|image instance|manifest list/i;

/**
 * Turns the 500 Podman 4.3 answers to an image listing while a manifest list breaks it into
 * an error that names the lists to remove: the `manifest=true` filter still lists them (it
 * selects before the parent lookup that fails). Any other error passes unchanged.
 */
export function nameBrokenLists(
  requester: Requester,
  options: OperationOptions | undefined,
): (error: unknown) => Observable<never> {
  return (error) => {
    if (!(error instanceof APIError) || error.status !== 500) return throwError(() => error);
    // The removal race (retried before this; see isImageRace) is not a broken list, though
    // its message can mention a manifest list.
    if (
      isImageRace(error) || !BROKEN_LIST.test(`${error.explanation} ${error.serverCause ?? ""}`)
    ) {
      return throwError(() => error);
    }
    return requestJson(
      requester,
      {
        path: "/images/json",
        query: { filters: encodeFilters({ manifest: true }) },
        action: "Cannot list manifest lists",
      },
      options,
      // An untagged list (`RepoTags: []`) is still named, by its id.
      (body) =>
        ((body ?? []) as ImageAttrs[]).flatMap((attrs) =>
          attrs.RepoTags?.length ? attrs.RepoTags : [attrs.Id]
        ),
    ).pipe(
      catchError((listing: unknown) => of<string[] | Error>(listing as Error)),
      concatMap((names) => {
        const which = Array.isArray(names) && names.length > 0
          ? `remove the manifest list${names.length > 1 ? "s" : ""} ${
            names.map((name) => `"${name}"`).join(", ")
          } (podman.manifests.remove(name)) and list again`
          : "remove the manifest list that lacks this platform and list again" +
            (names instanceof Error ? ` (the lists could not be listed: ${names.message})` : "");
        return throwError(() =>
          new APIError("Cannot list images", {
            status: error.status,
            method: error.method,
            path: error.path,
            explanation: `${error.explanation}; a stored manifest list has no image this ` +
              `server can read for its platform, which breaks listing on Podman 4.3: ${which}`,
            serverCause: error.serverCause,
          }, { cause: error })
        );
      }),
    );
  };
}
