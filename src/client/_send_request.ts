import type { ApiRequest } from "./api_request.ts";
import { connectionError, errorFromResponse } from "./api_request.ts";
import type { Connection } from "./_connector.ts";
import { toSearchParams } from "./query.ts";

/**
 * Sends one request over a connection: the versioned libpod path, the query, and the body
 * (a stream is sent as it is read). A failure to reach the service becomes a connection
 * error naming the action; a status of 400 or more the matching `APIError`.
 */
export async function sendRequest(
  connection: Connection,
  request: ApiRequest,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const { transport, apiVersion } = connection;
  const path = `/v${apiVersion}/libpod${request.path}`;
  const search = request.query ? toSearchParams(request.query).toString() : "";
  const url = `${transport.origin}${path}${search ? `?${search}` : ""}`;
  const init: RequestInit & { duplex?: "half" } = {
    method: request.method ?? "GET",
    headers: request.headers ?? {},
    body: request.body ?? null,
    signal: signal ?? null,
  };
  if (request.body instanceof ReadableStream) init.duplex = "half";
  let response: Response;
  try {
    response = await transport.fetch(url, init);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw connectionError(request.action, transport.description, error, request.secrets);
  }
  if (response.status >= 400) throw await errorFromResponse(request, response, path);
  return response;
}
