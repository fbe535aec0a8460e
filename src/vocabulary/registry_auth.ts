import { parseReference } from "./reference.ts";

/**
 * Credentials for a registry, sent to Podman in the `X-Registry-Auth` header. podrx never puts
 * them, or the encoded header, in an error message or a log line.
 */
export interface AuthConfig {
  /** Registry user name. */
  username?: string;
  /** Registry password or token. */
  password?: string;
  /** An identity token, instead of a password. */
  identityToken?: string;
  /** Registry address the credentials are for, e.g. `registry.example.com`. */
  serverAddress?: string;
  /** E-mail, for registries that still want it. */
  email?: string;
}

/** The header to send, and the strings to redact from errors of that request. */
export interface EncodedAuth {
  /** `{ "X-Registry-Auth": ... }`, or no header when there are no credentials. */
  headers: Record<string, string>;
  /** The password, token and encoded header. */
  secrets: string[];
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64Url(text: string): string {
  // Go's base64.URLEncoding on the server expects the padded URL-safe alphabet.
  return base64(text).replaceAll("+", "-").replaceAll("/", "_");
}

/** The registry credentials are for: `serverAddress` without scheme or path, else the reference's. */
function registryKey(auth: AuthConfig, reference: string | undefined): string | undefined {
  const address = auth.serverAddress?.trim();
  if (address) return address.replace(/^https?:\/\//, "").split("/")[0] || undefined;
  if (reference === undefined) return undefined;
  try {
    return parseReference(reference).registry;
  } catch {
    // A search term need not be a reference; it then names no registry.
    return undefined;
  }
}

/**
 * Encodes credentials as base64url JSON with the field names Podman decodes.
 *
 * Podman reads `X-Registry-Auth` in two forms (its pkg/auth): a single config, which only some
 * handlers use (pull and push on every version, search from Podman 5), and a map keyed by
 * registry, which every handler uses because Podman writes it to a temporary auth file (search
 * on Podman 4, manifest inspect on every version). So the map form is sent whenever the
 * registry is known (`serverAddress`, or the registry of `reference`), and the single form only
 * for a reference without a registry, where no key would match.
 *
 * @param auth The credentials, or `undefined` for none.
 * @param reference The image reference or search term the request is about (`undefined`: none).
 * @throws {TypeError} When `auth` is not an object.
 */
export function encodeRegistryAuth(
  auth: AuthConfig | undefined,
  reference: string | undefined,
): EncodedAuth {
  if (auth === undefined) return { headers: {}, secrets: [] };
  if (typeof auth !== "object" || auth === null) {
    throw new TypeError("Cannot use registry credentials: authConfig must be an object");
  }
  const config = wireConfig(auth);
  const registry = registryKey(auth, reference);
  const header = base64Url(
    JSON.stringify(registry === undefined ? config : { [registry]: config }),
  );
  return { headers: { "X-Registry-Auth": header }, secrets: [header, ...secretsOf(auth)] };
}

/**
 * Encodes the credentials for several registries as a build's `X-Registry-Config`: the map
 * form of `X-Registry-Auth`, keyed by registry, which Podman writes to a temporary auth file
 * for the build's pulls (of base images, and of `--from` images).
 *
 * @param auths Credentials by registry (`quay.io`, `localhost:5000`).
 * @returns The header, or no header for no registries, and the strings to redact.
 */
export function encodeRegistryConfig(auths: Readonly<Record<string, AuthConfig>>): EncodedAuth {
  const entries = Object.entries(auths);
  if (entries.length === 0) return { headers: {}, secrets: [] };
  const map = Object.fromEntries(entries.map(([registry, auth]) => [registry, wireConfig(auth)]));
  const header = base64Url(JSON.stringify(map));
  return {
    headers: { "X-Registry-Config": header },
    secrets: [header, ...entries.flatMap(([, auth]) => secretsOf(auth))],
  };
}

/** The field names Podman decodes (Docker's `AuthConfig` JSON). */
function wireConfig(auth: AuthConfig): Record<string, string | undefined> {
  return {
    username: auth.username,
    password: auth.password,
    identitytoken: auth.identityToken,
    serveraddress: auth.serverAddress,
    email: auth.email,
  };
}

/** The password, the token, and `user:password` as basic auth carries it. */
function secretsOf(auth: AuthConfig): string[] {
  const secrets: string[] = [];
  if (auth.password) secrets.push(auth.password);
  if (auth.identityToken) secrets.push(auth.identityToken);
  if (auth.username && auth.password) secrets.push(base64(`${auth.username}:${auth.password}`));
  return secrets;
}
