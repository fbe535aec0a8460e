import { deferredOperation, type Operation } from "../../async/operation.ts";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { requestJson } from "../../client/request_json.ts";
import type { Artifact } from "../artifact.ts";
import { readArtifactList } from "./_read_artifact.ts";

/**
 * `GET /libpod/artifacts/json`: every artifact in the service's store.
 *
 * @returns A cold Observable of one array of models (empty when there are none).
 */
export function listArtifacts(
  requester: Requester,
  options?: OperationOptions,
): Operation<Artifact[]> {
  return deferredOperation("Cannot list artifacts", (action) => {
    return requestJson(
      requester,
      { path: "/artifacts/json", action },
      options,
      (body) => readArtifactList(body, action),
    );
  });
}
