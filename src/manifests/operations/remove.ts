import { deferredOperation, type Operation } from "../../async/operation.ts";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment, requestJson } from "../../client/request_json.ts";
import { readRemoveReport, type RemoveReport } from "../../vocabulary/reports.ts";
import { requireName } from "../../vocabulary/reference.ts";

/** What {@linkcode removeManifest} needs of a list given as a model. */
export interface ManifestRef {
  /** The list's name. */
  readonly name: string;
}

/**
 * `DELETE /libpod/manifests/{name}`: removes a manifest list from local storage; the images it
 * lists stay.
 *
 * @returns A cold Observable of what was deleted and untagged. Errors with `NotFound` when
 * there is no such list. An empty name is a `TypeError`, delivered on subscribe.
 */
export function removeManifest(
  requester: Requester,
  manifest: ManifestRef | string,
  options?: OperationOptions,
): Operation<RemoveReport> {
  const name = typeof manifest === "object" && manifest !== null ? manifest.name : manifest;
  return deferredOperation(() => `Cannot remove manifest list "${name}"`, (action) => {
    requireName(name, action);
    const path = `/manifests/${pathSegment(name)}`;
    return requestJson(
      requester,
      { method: "DELETE", path, action },
      options,
      (body) => readRemoveReport(body, { action, method: "DELETE", path }),
    );
  });
}
