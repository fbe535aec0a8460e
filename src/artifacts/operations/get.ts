import { deferredOperation, type Operation } from "../../async/operation.ts";
import type { Observable } from "rxjs";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment, requestJson } from "../../client/request_json.ts";
import { requireName } from "../../vocabulary/reference.ts";
import type { Artifact } from "../artifact.ts";
import { readArtifact } from "./_read_artifact.ts";

/**
 * `GET /libpod/artifacts/{name}/json`: one artifact of the store, by name or digest.
 *
 * @returns A cold Observable of the model; errors with `NotFound` when there is no such
 * artifact. An empty name is a `TypeError`, delivered on subscribe.
 */
export function getArtifact(
  requester: Requester,
  name: string,
  options?: OperationOptions,
): Operation<Artifact> {
  return deferredOperation(() => `Cannot get artifact "${name}"`, (action) => {
    requireName(name, action);
    return inspectArtifact(requester, name, action, options);
  });
}

/** The inspect request behind `get`, `exists`, and the models `add` and `pull` emit. */
export function inspectArtifact(
  requester: Requester,
  name: string,
  action: string,
  options?: OperationOptions,
): Observable<Artifact> {
  return requestJson(
    requester,
    { path: `/artifacts/${pathSegment(name)}/json`, action },
    options,
    (body) => readArtifact(body, action),
  );
}
