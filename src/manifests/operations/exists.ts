import { deferredOperation, type Operation } from "../../async/operation.ts";
import { catchError, of } from "rxjs";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment, requestJson } from "../../client/request_json.ts";
import { NotFound } from "../../errors.ts";
import { requireName } from "../../vocabulary/reference.ts";

/**
 * `GET /libpod/manifests/{name}/exists`: whether a manifest list is in local storage.
 *
 * @returns A cold Observable of `true` (204) or `false` (404); any other answer is an error,
 * not `false`. An empty name is a `TypeError`, delivered on subscribe.
 */
export function manifestExists(
  requester: Requester,
  name: string,
  options?: OperationOptions,
): Operation<boolean> {
  return deferredOperation(
    () => `Cannot check whether manifest list "${name}" exists`,
    (action) => {
      requireName(name, action);
      return requestJson(
        requester,
        { path: `/manifests/${pathSegment(name)}/exists`, action },
        options,
        () => true,
      ).pipe(catchError((error: unknown) => {
        if (error instanceof NotFound) return of(false);
        throw error;
      }));
    },
  );
}
