import { explainBody } from "../http/explain_body.ts";
import { networkReason } from "../http/network_reason.ts";
import { redact } from "../http/redact.ts";
import { APIError, ImageNotFound, NotFound, PodmanError } from "../errors.ts";
import { type Challenge, parseChallenge } from "./_challenge.ts";
import { readLimited } from "./_read_limited.ts";

/** Credentials for a registry: a user name and password, or an identity (refresh) token. */
export interface RegistryCredentials {
  /** User name. */
  username?: string | undefined;
  /** Password or personal access token. */
  password?: string | undefined;
  /** An OAuth2 refresh token, exchanged at the registry's token service. */
  identityToken?: string | undefined;
}

/** What a {@linkcode RegistrySession} talks to, and how. */
export interface RegistrySessionOptions {
  /** `host[:port]` of the registry's API. */
  host: string;
  /**
   * The repository path, for the token scope: `team/app`. Without it a token is asked for no
   * scope, which is enough for `/v2/` (as `podman login` checks credentials).
   */
  repository?: string | undefined;
  /** HTTPS with verified certificates only; `false` also allows plain HTTP, as Podman does. */
  tlsVerify: boolean;
  /** Sent only when the registry asks for them. */
  credentials?: RegistryCredentials | undefined;
  /** Aborts every request of the session. */
  signal: AbortSignal;
  /** Starts every error message: `Cannot read registry data of "x"`. */
  action: string;
}

const MAX_REDIRECTS = 5;
const ERROR_BODY_LIMIT = 64 * 1024;
const TOKEN_LIMIT = 1024 * 1024;

/** Standard base64 of a string's UTF-8 bytes, as HTTP basic auth and auth files encode them. */
export function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The registry's own words from an error body (`{"errors":[{"code","message"}]}`). */
function registryExplanation(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    const errors = (body as { errors?: unknown })?.errors;
    if (Array.isArray(errors)) {
      const messages = errors.flatMap((entry: { message?: unknown; code?: unknown }) =>
        typeof entry?.message === "string" && entry.message
          ? [entry.message]
          : typeof entry?.code === "string"
          ? [entry.code]
          : []
      );
      if (messages.length > 0) return messages.join("; ");
    }
  } catch {
    // Not the registry's JSON: a proxy's page, say; its text is the explanation.
  }
  return explainBody(text).explanation;
}

/**
 * HTTP to one repository of an image registry (Registry API v2), from this process: picks
 * HTTPS (or, with `tlsVerify: false`, plain HTTP when HTTPS cannot be spoken), answers the
 * registry's `WWW-Authenticate` challenge once (basic, or a bearer token from the token
 * service it names), and follows redirects itself so that credentials never go to another
 * origin. Every secret it handles is redacted from the errors it raises.
 */
export class RegistrySession {
  readonly #options: RegistrySessionOptions;
  readonly #secrets: string[] = [];
  #origin: string | undefined;
  #authorization: string | undefined;
  #challenged = false;

  /** A session; nothing is sent before the first {@linkcode RegistrySession.get}. */
  constructor(options: RegistrySessionOptions) {
    this.#options = options;
    const { password, identityToken } = options.credentials ?? {};
    for (const secret of [password, identityToken]) {
      if (secret) this.#secrets.push(secret, base64(secret));
    }
  }

  /** The origin that answered, `https://host` or `http://host`, once one did. */
  get origin(): string | undefined {
    return this.#origin;
  }

  /**
   * `GET` a path below the registry's origin (`/v2/...`), authenticating when asked to.
   *
   * @returns The response, status 2xx, body unread.
   * @throws {APIError} For any other final status (`ImageNotFound` for a 404 when
   * `notFound` is `"image"`, `NotFound` otherwise).
   * @throws {PodmanError} When the registry cannot be reached.
   */
  async get(
    path: string,
    headers: Record<string, string>,
    notFound: "image" | "resource",
  ): Promise<Response> {
    let response = await this.#send(path, headers);
    if (response.status === 401 && !this.#challenged) {
      this.#challenged = true;
      const challenge = parseChallenge(response.headers.get("www-authenticate"));
      if (challenge && await this.#authorize(challenge)) {
        await response.body?.cancel();
        response = await this.#send(path, headers);
      }
    }
    if (response.ok) return response;
    throw await this.#error(response, notFound);
  }

  async #send(path: string, headers: Record<string, string>): Promise<Response> {
    if (this.#origin !== undefined) return await this.#follow(this.#origin, path, headers);
    const { host, tlsVerify, signal, action } = this.#options;
    // No credentials are attached before the registry asked for them, so a first try over
    // HTTPS that fails sends nothing secret over plain HTTP either.
    const origins = tlsVerify ? [`https://${host}`] : [`https://${host}`, `http://${host}`];
    const failures: string[] = [];
    let last: unknown;
    for (const origin of origins) {
      try {
        const response = await this.#follow(origin, path, headers);
        this.#origin = origin;
        return response;
      } catch (error) {
        if (signal.aborted || error instanceof PodmanError) throw error;
        last = error;
        failures.push(`${origin}: ${networkReason(error)}`);
      }
    }
    // Podman users meet this as "server gave HTTP response to HTTPS client": say what to do.
    const hint = tlsVerify ? "; a registry that speaks plain HTTP needs tlsVerify: false" : "";
    throw new PodmanError(
      `${action}: cannot reach the registry (${redact(failures.join("; "), this.#secrets)})${hint}`,
      { cause: last },
    );
  }

  /** One request, its redirects followed by hand: the credentials stay with `origin`. */
  async #follow(origin: string, path: string, headers: Record<string, string>): Promise<Response> {
    let url = new URL(path, origin);
    for (let hops = 0;; hops++) {
      const authorized = this.#authorization !== undefined && url.origin === origin;
      const response = await fetch(url, {
        headers: authorized ? { ...headers, authorization: this.#authorization! } : headers,
        redirect: "manual",
        signal: this.#options.signal,
      });
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || location === null) return response;
      await response.body?.cancel();
      url = new URL(location, url);
      if (hops >= MAX_REDIRECTS || (url.protocol !== "https:" && url.protocol !== "http:")) {
        throw new PodmanError(
          `${this.#options.action}: the registry redirected ${
            hops >= MAX_REDIRECTS ? `more than ${MAX_REDIRECTS} times` : `to ${url.protocol}`
          }`,
        );
      }
    }
  }

  /** Sets the authorization the challenge asks for; false when there is nothing to send. */
  async #authorize(challenge: Challenge): Promise<boolean> {
    const { username, password } = this.#options.credentials ?? {};
    if (challenge.scheme === "basic") {
      if (!username || !password) return false;
      const encoded = base64(`${username}:${password}`);
      this.#secrets.push(encoded);
      this.#authorization = `Basic ${encoded}`;
      return true;
    }
    if (challenge.scheme !== "bearer" || !challenge.params.realm) return false;
    const token = await this.#token(challenge.params);
    this.#secrets.push(token);
    this.#authorization = `Bearer ${token}`;
    return true;
  }

  /** A token from the registry's token service (Docker's token and OAuth2 flows). */
  async #token(params: Record<string, string>): Promise<string> {
    const { repository, credentials = {}, tlsVerify, signal, action } = this.#options;
    let realm: URL;
    try {
      realm = new URL(params.realm!);
    } catch {
      throw new PodmanError(`${action}: the registry names a token service that is not a URL`);
    }
    if (realm.protocol !== "https:" && (tlsVerify || realm.protocol !== "http:")) {
      throw new PodmanError(
        `${action}: the registry's token service is not HTTPS (${realm.origin}); ` +
          "credentials go there only over HTTPS, or with tlsVerify: false",
      );
    }
    const scope = params.scope ?? (repository ? `repository:${repository}:pull` : undefined);
    const { username, password, identityToken } = credentials;
    let init: RequestInit;
    if (identityToken) {
      // OAuth2 refresh-token grant: the identity token is exchanged for an access token.
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: identityToken,
        client_id: "podrx",
      });
      if (scope) form.set("scope", scope);
      if (params.service) form.set("service", params.service);
      init = { method: "POST", body: form };
    } else {
      if (scope) realm.searchParams.set("scope", scope);
      if (params.service) realm.searchParams.set("service", params.service);
      if (username) realm.searchParams.set("account", username);
      init = username && password
        ? { headers: { authorization: `Basic ${base64(`${username}:${password}`)}` } }
        : {};
      if (username && password) this.#secrets.push(base64(`${username}:${password}`));
    }
    let response: Response;
    try {
      // A redirect would take the credentials elsewhere: refused, not followed.
      response = await fetch(realm, { ...init, redirect: "error", signal });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new PodmanError(
        `${action}: cannot reach the registry's token service at ${realm.origin}: ${
          redact(networkReason(error), this.#secrets)
        }`,
        { cause: error },
      );
    }
    if (!response.ok) {
      throw await this.#error(response, "resource", "the token service: ", init.method);
    }
    const { bytes, truncated } = await readLimited(response, TOKEN_LIMIT);
    let token: unknown;
    try {
      const body = truncated ? {} : JSON.parse(new TextDecoder().decode(bytes));
      token = body.token ?? body.access_token;
    } catch {
      // Reported below, without the body (it may hold a token).
    }
    if (typeof token !== "string" || token === "") {
      throw new PodmanError(`${action}: the registry's token service answered without a token`);
    }
    return token;
  }

  async #error(
    response: Response,
    notFound: "image" | "resource",
    prefix = "",
    method = "GET",
  ): Promise<APIError> {
    const { bytes } = await readLimited(response, ERROR_BODY_LIMIT);
    const text = new TextDecoder().decode(bytes);
    const explanation = registryExplanation(text) || response.statusText || "no message";
    const details = {
      status: response.status,
      method,
      path: new URL(response.url || "http://registry/").pathname,
      explanation: redact(prefix + explanation, this.#secrets),
    };
    if (response.status !== 404) return new APIError(this.#options.action, details);
    return notFound === "image"
      ? new ImageNotFound(this.#options.action, details)
      : new NotFound(this.#options.action, details);
  }
}
