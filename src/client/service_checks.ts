import type { Operation } from "../async/operation.ts";
import { operation, type OperationOptions } from "./operation.ts";
import type { Requester } from "./requester.ts";
import { requestJson } from "./request_json.ts";
import { readVersionReport, type VersionReport } from "./version_report.ts";

/**
 * `GET /_ping`: whether the service answers. Emits `true` once it answered `OK`, then
 * completes; errors with `PodmanError` when no service answers.
 */
export function pingService(requester: Requester, options?: OperationOptions): Operation<boolean> {
  const action = "Cannot ping Podman";
  return operation<boolean>(action, options, async ({ emit, signal }) => {
    const response = await requester.request({ path: "/_ping", action }, signal);
    emit((await response.text()).trim() === "OK");
  });
}

/** `GET /libpod/version`: the service's version report, one request per subscription. */
export function readServiceVersion(
  requester: Requester,
  options?: OperationOptions,
): Operation<VersionReport> {
  const action = "Cannot read the Podman version";
  return requestJson(requester, { path: "/version", action }, options, readVersionReport);
}
