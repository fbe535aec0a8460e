import type { AuthConfig } from "../vocabulary/registry_auth.ts";

/**
 * How the hosts of a distribution through a registry reach it: TLS and credentials, for the
 * source's push and every host's pull.
 */
export interface RegistryAccess {
  /**
   * Verify the registry's TLS certificate (`false` also allows plain HTTP), for the push and
   * every pull.
   * @default {true}
   */
  tlsVerify?: boolean;
  /**
   * Credentials for the registry: the same for every host, or per host (by name; the source
   * host's are used for the push). A host for which the function gives `undefined` goes
   * without.
   * @default {undefined}
   */
  authConfig?: AuthConfig | ((host: string) => AuthConfig | undefined);
}
