import type { AuthConfig } from "../vocabulary/registry_auth.ts";
import type { ApiRequest } from "./api_request.ts";

/**
 * How a client reaches its service: a Unix socket it opened (`unix`), TCP (`tcp`), an SSH
 * tunnel (`ssh`, whose local socket leads to another machine), or a transport given in the
 * options (`transport`, which podrx cannot see into).
 */
export type ConnectionKind = "unix" | "tcp" | "ssh" | "transport";

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
  /**
   * `request()` with the answer's body read whole as text, for a requester that can do it
   * cheaper than through the response (the client's own reads skip the end-of-body notice a
   * response needs). A requester without this method is read through `request()`.
   */
  requestText?(request: ApiRequest, signal?: AbortSignal): Promise<string>;
  /** The libpod API version of the server, e.g. `"4.3.1"`. */
  apiVersion(signal?: AbortSignal): Promise<string>;
  /**
   * How the client reaches the service. Only a service behind a Unix socket may share this
   * machine's files (see `via` of `load` and `build`); a requester without this method is
   * treated as `transport`.
   */
  connectionKind?(signal?: AbortSignal): Promise<ConnectionKind>;
  /**
   * Makes `close()` wait for `work` (an operation that may still have to take back what it
   * left half-done, after an unsubscribe or the close itself) before it lets the connection
   * go; `work` bounds its own time. A requester without this method does not wait.
   */
  keepOpenUntil?(work: Promise<unknown>): void;
  /**
   * The user's credentials for the registry of `reference` (see the client's `credentials`
   * option), for a registry podrx talks to itself rather than through the service; a
   * requester without this method has none.
   */
  registryCredentials?(
    reference: string,
    action: string,
    signal?: AbortSignal,
  ): Promise<AuthConfig | undefined>;
}
