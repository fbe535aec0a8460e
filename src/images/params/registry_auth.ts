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

/**
 * Encodes credentials as base64url JSON with the field names Podman decodes.
 *
 * @throws {TypeError} When `auth` is not an object.
 */
export function encodeRegistryAuth(auth: AuthConfig | undefined): EncodedAuth {
  if (auth === undefined) return { headers: {}, secrets: [] };
  if (typeof auth !== "object" || auth === null) {
    throw new TypeError("Cannot use registry credentials: authConfig must be an object");
  }
  const json = JSON.stringify({
    username: auth.username,
    password: auth.password,
    identitytoken: auth.identityToken,
    serveraddress: auth.serverAddress,
    email: auth.email,
  });
  const header = base64Url(json);
  const secrets = [header];
  if (auth.password) secrets.push(auth.password);
  if (auth.identityToken) secrets.push(auth.identityToken);
  if (auth.username && auth.password) secrets.push(base64(`${auth.username}:${auth.password}`));
  return { headers: { "X-Registry-Auth": header }, secrets };
}
