/**
 * Resolved credentials as an `AuthConfig` that `console.log` and `Deno.inspect` show without
 * their secrets.
 *
 * @module
 */

import type { AuthConfig } from "../vocabulary/registry_auth.ts";

const DENO_INSPECT = Symbol.for("Deno.customInspect");
const NODE_INSPECT = Symbol.for("nodejs.util.inspect.custom");
const REDACTED = "<redacted>";

/**
 * Makes an `AuthConfig` from the fields that are set, with inspect hooks (not enumerable, so
 * spreads, `JSON.stringify` and `encodeRegistryAuth` see the plain fields) that show
 * `<redacted>` for the password and the identity token.
 */
export function redactedAuthConfig(fields: {
  username?: string | undefined;
  password?: string | undefined;
  identityToken?: string | undefined;
  serverAddress?: string | undefined;
  email?: string | undefined;
}): AuthConfig {
  const auth: AuthConfig = {};
  if (fields.username !== undefined) auth.username = fields.username;
  if (fields.password !== undefined) auth.password = fields.password;
  if (fields.identityToken !== undefined) auth.identityToken = fields.identityToken;
  if (fields.serverAddress !== undefined) auth.serverAddress = fields.serverAddress;
  if (fields.email !== undefined) auth.email = fields.email;
  const shown = (): AuthConfig => ({
    ...auth,
    ...(auth.password === undefined ? {} : { password: REDACTED }),
    ...(auth.identityToken === undefined ? {} : { identityToken: REDACTED }),
  });
  Object.defineProperties(auth, {
    [DENO_INSPECT]: {
      value: (inspect: (value: unknown, options?: unknown) => string, options?: unknown) =>
        `AuthConfig ${inspect(shown(), options)}`,
    },
    [NODE_INSPECT]: {
      value: (
        _depth: number,
        options: unknown,
        inspect: (value: unknown, options?: unknown) => string,
      ) => `AuthConfig ${inspect(shown(), options)}`,
    },
  });
  return auth;
}
