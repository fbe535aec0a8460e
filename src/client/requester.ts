import type { ApiRequest } from "./api_request.ts";

/**
 * The narrow door every operation goes through: send one request, and tell the server's API
 * version. {@linkcode PodmanClient} is one; operations need nothing more of a client, so they
 * take this rather than the client.
 */
export interface Requester {
  /**
   * Sends one request to the libpod API and resolves once the response's headers arrived; a
   * status of 400 or more rejects with `APIError` (or its subclass for 404), a failure to
   * reach the service with `PodmanError`.
   */
  request(request: ApiRequest, signal?: AbortSignal): Promise<Response>;
  /** The libpod API version of the server, e.g. `"4.3.1"`. */
  apiVersion(signal?: AbortSignal): Promise<string>;
}
