import { deferredOperation, type Operation } from "../../async/operation.ts";
import { concatMap, type Observable } from "rxjs";
import { checkOperationOptions, type OperationOptions } from "../../client/operation.ts";
import { type OptionSince, optionsSupported } from "../../client/option_since.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment, requestJson } from "../../client/request_json.ts";
import { requireName } from "../../vocabulary/reference.ts";
import type { ImageRef } from "./images_context.ts";
import { readRemoveReport, type RemoveReport } from "../../vocabulary/reports.ts";

/** Options for {@linkcode ImagesManager.remove}. */
export interface RemoveOptions extends OperationOptions {
  /**
   * Remove the image even when containers use it (they are removed too).
   * @default {false}
   */
  force?: boolean;
  /**
   * Accepted for podman-py compatibility and ignored: Podman always removes untagged parents.
   * @default {false}
   */
  noprune?: boolean;
  /**
   * A name that is not there is no error: the report is empty (Podman 5.4 and later, as
   * `podman rmi --ignore`).
   * @default {false}
   */
  ignore?: boolean;
  /**
   * The name is a manifest list, and the list itself is removed, not the image it lists for
   * this machine's platform (which is what a list's name otherwise stands for); a name that is
   * not a list is then an error (Podman 4.2 and later).
   * @default {false}
   */
  lookupManifest?: boolean;
}

/** The options Podman's remove handler reads only from some version on (libpod/images.go). */
const SINCE: readonly OptionSince<RemoveOptions>[] = [["lookupManifest", 4, 2], ["ignore", 5, 4]];

/**
 * `DELETE /libpod/images/{name}`: removes an image, given as a model or a name or id.
 *
 * @returns A cold Observable of what was deleted and untagged. Errors with `ImageNotFound`
 * (404) or `APIError` (409 when a container uses it and `force` is not set, or when the
 * server's report lists errors); with `TypeError` (before anything is sent) when the name is
 * empty or not a string; with `PodmanError` (before anything is sent) for an option the
 * server's version does not read (`ignore` before Podman 5.4).
 */
export function removeImage(
  requester: Requester,
  image: ImageRef | string,
  options: RemoveOptions = {},
): Operation<RemoveReport> {
  // A model is removed by its id, but named in messages as the caller named it.
  const model = typeof image === "object" && image !== null;
  const name = model ? image.id : image;
  return deferredOperation(() => `Cannot remove image "${model ? image.name : name}"`, (action) => {
    requireName(name, action);
    checkOperationOptions(options, action);
    return removeRequest(requester, name, action, options);
  });
}

function removeRequest(
  requester: Requester,
  name: string,
  action: string,
  options: RemoveOptions,
): Observable<RemoveReport> {
  const path = `/images/${pathSegment(name)}`;
  const query = {
    force: options.force,
    ignore: options.ignore,
    lookupManifest: options.lookupManifest,
  };
  const request = requestJson(
    requester,
    { method: "DELETE", path, query, action, notFound: "image" },
    options,
    (body) => readRemoveReport(body, { action, method: "DELETE", path }),
  );
  if (options.ignore === undefined && options.lookupManifest === undefined) return request;
  // Only a version-bound option needs the server's version, asked before the request.
  return optionsSupported(requester, options, SINCE, action).pipe(concatMap(() => request));
}
