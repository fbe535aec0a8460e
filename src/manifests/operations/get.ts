import { deferredOperation, type Operation } from "../../async/operation.ts";
import type { Observable } from "rxjs";
import type { OperationOptions } from "../../client/operation.ts";
import { pathSegment, requestJson } from "../../client/request_json.ts";
import { requireName } from "../../vocabulary/reference.ts";
import type { ManifestAttrs } from "../../vocabulary/manifest_attrs.ts";
import type { ManifestsContext } from "./manifests_context.ts";

/**
 * `GET /libpod/manifests/{name}/json`: a manifest list in local storage, by name or id. For a
 * name that is not a local list, Podman looks it up in the registry the name points to (and
 * answers 404 when that fails), as podman-py's `manifests.get` does.
 *
 * @returns A cold Observable of the model; errors with `NotFound` when there is no such list.
 * An empty name is a `TypeError`, delivered on subscribe.
 */
export function getManifest<L>(
  context: ManifestsContext<L>,
  name: string,
  options?: OperationOptions,
): Operation<L> {
  return deferredOperation(() => `Cannot get manifest list "${name}"`, (action) => {
    requireName(name, action);
    return inspectManifest(context, name, action, undefined, options);
  });
}

/** The inspect request behind `get`, `create` and `Manifest.reload`, with the caller's action. */
export function inspectManifest<L>(
  context: ManifestsContext<L>,
  name: string,
  action: string,
  id: string | undefined,
  options?: OperationOptions,
): Observable<L> {
  return requestJson(
    context.requester,
    { path: `/manifests/${pathSegment(name)}/json`, action },
    options,
    (body) => {
      const attrs = (body ?? {}) as ManifestAttrs;
      // An empty list answers `"manifests": null`; the model always has an array.
      return context.toManifest(name, { ...attrs, manifests: attrs.manifests ?? [] }, id);
    },
  );
}
