/**
 * The token service of the bed's token-auth registry (Docker's token authentication, as
 * distribution's `auth: token` expects it): it checks a user's basic credentials (or an
 * identity token, through the OAuth2 refresh grant) and issues a short JWT granting every
 * action the request's scopes ask for, signed with a key whose self-signed certificate is the
 * registry's `rootcertbundle` and travels in the token's `x5c` header.
 *
 * It runs inside the test runner's process (a `Deno.serve` on a loopback port): no process of
 * its own to start, which keeps the bed's start-up short.
 *
 * @module
 */

import { removeDir } from "./_process.ts";

/** Options for {@linkcode startTokenServer}. */
export interface TokenServerOptions {
  /** The one user it knows. */
  username: string;
  /** That user's password. */
  password: string;
  /** A refresh token it accepts (OAuth2 `refresh_token` grant) and hands out for the password grant. */
  identityToken: string;
  /** The registry's `service` name: the tokens' audience. */
  service: string;
  /** The tokens' issuer, as the registry's config names it. */
  issuer: string;
}

/** A running token service started by {@linkcode startTokenServer}. */
export interface TokenServer extends AsyncDisposable {
  /** The URL the registry names as its `realm`: `http://127.0.0.1:PORT/token`. */
  readonly realm: string;
  /** The registry's `service` name. */
  readonly service: string;
  /** The tokens' issuer. */
  readonly issuer: string;
  /** Path of the PEM certificate of the signing key: the registry's `rootcertbundle`. */
  readonly rootCertBundle: string;
  /** Stops the server and removes its key and certificate. Safe to call more than once. */
  stop(): Promise<void>;
}

// Long enough for any test run; the registry checks `exp`, so a token cannot outlive it.
const TOKEN_LIFETIME_S = 3600;

/**
 * Makes a P-256 key and its self-signed certificate (with `openssl`) and starts serving
 * `GET /token` (basic auth) and `POST /token` (OAuth2 password and refresh-token grants).
 *
 * @throws {Error} When `openssl` fails; the message carries its stderr.
 */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-token-" });
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  try {
    const { key, certificate } = await makeSigningKey(dir);
    const x5c = pemBody(certificate);
    const signer = new TokenSigner(key, x5c, options);
    server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (request) => handle(request, options, signer),
    );
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
  const running = server;
  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= (async () => {
      await running.shutdown();
      await removeDir(dir);
    })();
    return stopping;
  }
  return {
    realm: `http://127.0.0.1:${running.addr.port}/token`,
    service: options.service,
    issuer: options.issuer,
    rootCertBundle: `${dir}/cert.pem`,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function makeSigningKey(dir: string): Promise<{ key: CryptoKey; certificate: string }> {
  const output = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
      "-days",
      "2",
      "-subj",
      "/CN=podrx-test-token-service",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (output.code !== 0) {
    throw new Error(
      `Cannot make the token service's key: openssl exited with code ${output.code}: ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  // OpenSSL 3 writes the key as PKCS #8, which WebCrypto imports as it is.
  const der = base64Bytes(pemBody(await Deno.readTextFile(`${dir}/key.pem`)));
  const key = await crypto.subtle.importKey(
    "pkcs8",
    der,
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  return { key, certificate: await Deno.readTextFile(`${dir}/cert.pem`) };
}

/** The base64 text between a PEM's BEGIN and END lines. */
function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) [^-]+-----/g, "").replace(/\s+/g, "");
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** One entry of a token's `access` claim. */
interface Access {
  type: string;
  name: string;
  actions: string[];
}

class TokenSigner {
  readonly #key: CryptoKey;
  readonly #header: string;
  readonly #options: TokenServerOptions;

  constructor(key: CryptoKey, x5c: string, options: TokenServerOptions) {
    this.#key = key;
    this.#options = options;
    const header = { typ: "JWT", alg: "ES256", x5c: [x5c] };
    this.#header = base64Url(new TextEncoder().encode(JSON.stringify(header)));
  }

  async sign(subject: string, access: Access[]): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: this.#options.issuer,
      sub: subject,
      // distribution 2.8 reads `aud` as one string.
      aud: this.#options.service,
      exp: now + TOKEN_LIFETIME_S,
      // A little early, for a registry whose clock is behind the runner's.
      nbf: now - 10,
      iat: now,
      jti: crypto.randomUUID(),
      access,
    };
    const payload = base64Url(new TextEncoder().encode(JSON.stringify(claims)));
    const input = new TextEncoder().encode(`${this.#header}.${payload}`);
    // WebCrypto's ECDSA signature is r || s, the form JWS's ES256 wants.
    const signature = await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" },
      this.#key,
      input,
    );
    return `${this.#header}.${payload}.${base64Url(new Uint8Array(signature))}`;
  }
}

/** `repository:team/app:pull,push` -> every action asked for: the one user may do anything. */
function accessOf(scopes: readonly string[]): Access[] {
  return scopes.flatMap((scope) => scope.split(" ")).filter((scope) => scope !== "").flatMap(
    (scope) => {
      const first = scope.indexOf(":");
      const last = scope.lastIndexOf(":");
      if (first === -1 || last === first) return [];
      return [{
        type: scope.slice(0, first),
        name: scope.slice(first + 1, last),
        actions: scope.slice(last + 1).split(",").filter((action) => action !== ""),
      }];
    },
  );
}

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ errors: [{ code, message }] }, {
    status,
    headers: status === 401 ? { "www-authenticate": 'Basic realm="podrx-test-token"' } : {},
  });
}

function basicCredentials(header: string | null): { username: string; password: string } | null {
  const match = header?.match(/^Basic\s+(\S+)\s*$/i);
  if (!match) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(base64Bytes(match[1]!));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon === -1) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function handle(
  request: Request,
  options: TokenServerOptions,
  signer: TokenSigner,
): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname !== "/token") return errorResponse(404, "NOT_FOUND", "no such endpoint");
  const issued = (token: string, extra: Record<string, unknown> = {}) =>
    Response.json({
      token,
      access_token: token,
      expires_in: TOKEN_LIFETIME_S,
      issued_at: new Date().toISOString(),
      ...extra,
    });

  if (request.method === "GET") {
    const credentials = basicCredentials(request.headers.get("authorization"));
    if (credentials === null) {
      return errorResponse(401, "UNAUTHORIZED", "authentication required");
    }
    if (credentials.username !== options.username || credentials.password !== options.password) {
      return errorResponse(401, "UNAUTHORIZED", "invalid username or password");
    }
    return issued(await signer.sign(options.username, accessOf(url.searchParams.getAll("scope"))));
  }

  if (request.method === "POST") {
    const form = new URLSearchParams(await request.text());
    const access = accessOf(form.getAll("scope"));
    switch (form.get("grant_type")) {
      case "password":
        if (
          form.get("username") !== options.username || form.get("password") !== options.password
        ) {
          return errorResponse(401, "UNAUTHORIZED", "invalid username or password");
        }
        return issued(
          await signer.sign(options.username, access),
          form.get("access_type") === "offline" ? { refresh_token: options.identityToken } : {},
        );
      case "refresh_token":
        if (form.get("refresh_token") !== options.identityToken) {
          return errorResponse(401, "UNAUTHORIZED", "invalid refresh token");
        }
        return issued(await signer.sign(options.username, access));
      default:
        return errorResponse(400, "UNSUPPORTED", "unsupported grant_type");
    }
  }
  return errorResponse(405, "UNSUPPORTED", "method not allowed");
}
