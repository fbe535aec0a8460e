import { notJsonError } from "../streams/_not_json.ts";
import type { Observable } from "rxjs";
import type { ApiRequest } from "./api_request.ts";
import { operation, type OperationOptions } from "./operation.ts";
import type { Requester } from "./requester.ts";

/**
 * A cold Observable of one request whose answer is read whole: it emits `map(body)` once and
 * completes. `body` is the parsed JSON, or `undefined` for an empty body (201, 204).
 */
export function requestJson<T>(
  requester: Requester,
  request: ApiRequest,
  options: OperationOptions | undefined,
  map: (body: unknown, response: Response) => T,
): Observable<T> {
  return operation<T>(request.action, options, async ({ emit, signal }) => {
    const response = await requester.request(request, signal);
    emit(map(parseBody(await response.text(), request.action), response));
  });
}

/** Encodes an image name or id for a path segment (`/` and `:` included). */
export function segment(name: string): string {
  return encodeURIComponent(name);
}

function parseBody(text: string, action: string): unknown {
  // 201 and 204 answers carry no body, or a lone newline.
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw notJsonError(`${action}: the server's answer is not JSON`, text, error);
  }
}
