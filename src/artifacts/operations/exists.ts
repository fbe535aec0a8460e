import { deferredOperation, type Operation } from "../../async/operation.ts";
import { catchError, map, of } from "rxjs";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { NotFound } from "../../errors.ts";
import { requireName } from "../../vocabulary/reference.ts";
import { inspectArtifact } from "./get.ts";

/**
 * Whether an artifact is in the store. Podman has no `exists` endpoint for artifacts, so this
 * inspects it: `true` when the server answers, `false` on 404; any other answer is an error,
 * not `false`.
 *
 * @returns A cold Observable of `true` or `false`. An empty name is a `TypeError`, delivered
 * on subscribe.
 */
export function artifactExists(
  requester: Requester,
  name: string,
  options?: OperationOptions,
): Operation<boolean> {
  return deferredOperation(() => `Cannot check whether artifact "${name}" exists`, (action) => {
    requireName(name, action);
    return inspectArtifact(requester, name, action, options).pipe(
      map(() => true),
      catchError((error: unknown) => {
        if (error instanceof NotFound) return of(false);
        throw error;
      }),
    );
  });
}
