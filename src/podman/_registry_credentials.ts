import { resolveAllCredentials, resolveCredentials } from "../credentials/credential_resolver.ts";
import { PodmanError } from "../errors.ts";
import {
  type AuthConfig,
  encodeRegistryAuth,
  encodeRegistryConfig,
} from "../vocabulary/registry_auth.ts";
import type { ApiRequest } from "../client/api_request.ts";

/** Where a client takes the user's registry credentials from; `false` when it takes none. */
export type CredentialsSource = false | { readonly authfile?: string };

/** The source a client's `credentials` option names. */
export function credentialsSource(
  option: boolean | { authfile: string } | undefined,
): CredentialsSource {
  if (option === false) return false;
  return typeof option === "object" ? { authfile: option.authfile } : {};
}

/**
 * The user's credentials for the registry of `reference`, or `undefined` when the source is
 * off or has none. A reference that names no registry (a short name, a search term) has none
 * to look up: the service's own search list decides where it goes.
 *
 * @throws {PodmanError} Naming `action`, for an auth file that cannot be read or a credential
 * helper that fails (the resolver's message, which never holds a secret).
 */
export async function userCredentials(
  source: CredentialsSource,
  reference: string,
  action: string,
  signal?: AbortSignal,
): Promise<AuthConfig | undefined> {
  if (source === false) return undefined;
  try {
    return await resolveCredentials(reference, { authfile: source.authfile, signal });
  } catch (error) {
    // Not an image reference (a search term with spaces): no registry, so nothing to send.
    if (error instanceof TypeError || error instanceof RangeError) return undefined;
    throw resolutionError(error, action, signal);
  }
}

/**
 * The request with the user's credentials added where it wants them and has none of its own:
 * `X-Registry-Auth` for one registry, `X-Registry-Config` for a build's registries. The
 * credentials go to this request only, and into its `secrets`, so no error shows them.
 */
export async function withUserCredentials(
  request: ApiRequest,
  source: CredentialsSource,
  signal?: AbortSignal,
): Promise<ApiRequest> {
  const wanted = request.credentials;
  if (wanted === undefined || source === false) return request;
  const own = Object.keys(request.headers ?? {}).map((name) => name.toLowerCase());
  if (own.includes("x-registry-auth") || own.includes("x-registry-config")) return request;
  let encoded;
  if ("reference" in wanted) {
    const auth = await userCredentials(source, wanted.reference, request.action, signal);
    if (auth === undefined) return request;
    encoded = encodeRegistryAuth(auth, wanted.reference);
  } else {
    let auths: Record<string, AuthConfig>;
    try {
      auths = await resolveAllCredentials({ authfile: source.authfile, signal });
    } catch (error) {
      throw resolutionError(error, request.action, signal);
    }
    encoded = encodeRegistryConfig(auths);
    if (encoded.secrets.length === 0) return request;
  }
  return {
    ...request,
    headers: { ...request.headers, ...encoded.headers },
    secrets: [...request.secrets ?? [], ...encoded.secrets],
  };
}

function resolutionError(error: unknown, action: string, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  const message = error instanceof Error ? error.message : String(error);
  // The resolver names its own action; the operation's comes first, so say it once.
  const problem = message.replace(
    /^Cannot resolve (?:registry )?credentials(?: for "[^"]*")?: /,
    "",
  );
  return new PodmanError(`${action}: cannot read the registry credentials: ${problem}`, {
    cause: error,
  });
}
