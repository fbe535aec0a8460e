import type { OperationOptions } from "../../client/operation.ts";
import type { ApiRequest } from "../../client/api_request.ts";
import type { Query } from "../../client/query.ts";
import { type AuthConfig, encodeRegistryAuth } from "../../vocabulary/registry_auth.ts";
import { retryDelayParam, validateRegistryRetry } from "../../vocabulary/registry_retry.ts";

/** Options for an artifact `pull()` or `push()`. */
export interface ArtifactTransferOptions extends OperationOptions {
  /**
   * Require HTTPS and verify certificates; left out, the server's registries.conf decides.
   * @default {true}
   */
  tlsVerify?: boolean;
  /** Credentials for the registry. */
  authConfig?: AuthConfig;
  /**
   * How many times the server retries a failing transfer; Podman's default
   * (`containers.conf` `retry`, 3) when left out.
   */
  retry?: number;
  /** Milliseconds between those retries; Podman's default (1 s) when left out. */
  retryDelay?: number;
}

/**
 * The checked query of a transfer of `reference`, and its request's credential fields: the
 * caller's `authConfig` as `X-Registry-Auth` with its secrets, or else the user's own, which the
 * client adds (`credentials`).
 */
export function transferParams(
  options: ArtifactTransferOptions,
  reference: string,
  action: string,
): { query: Query; auth: Pick<ApiRequest, "headers" | "secrets" | "credentials"> } {
  validateRegistryRetry(options, action);
  if (options.tlsVerify !== undefined && typeof options.tlsVerify !== "boolean") {
    throw new TypeError(`${action}: tlsVerify must be true or false`);
  }
  return {
    query: {
      tlsVerify: options.tlsVerify,
      retry: options.retry,
      retryDelay: retryDelayParam(options.retryDelay),
    },
    auth: { ...encodeRegistryAuth(options.authConfig, reference), credentials: { reference } },
  };
}
