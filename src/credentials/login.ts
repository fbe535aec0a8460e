import { deferredOperation, type Operation } from "../async/operation.ts";
import { checkOperationOptions, operation, type OperationOptions } from "../client/operation.ts";
import { APIError, PodmanError } from "../errors.ts";
import { registryApiHost } from "../registry/read_manifest.ts";
import { base64, RegistrySession } from "../registry/_registry_session.ts";
import { loginKey } from "./_login_key.ts";
import { editAuthFile, helperFor } from "./_edit_auth_file.ts";
import { checkAuthfile, loginAuthFile } from "./login_auth_file.ts";

/** Options for `credentials.login()`. */
export interface LoginOptions extends OperationOptions {
  /** The user name; required with `password`, optional with `identityToken`. */
  username?: string;
  /** The password (or a personal access token). */
  password?: string;
  /**
   * An identity token (an OAuth2 refresh token), instead of a password: checked at the token
   * service the registry names, and written as the entry's `identitytoken`.
   */
  identityToken?: string;
  /**
   * Require HTTPS with a verified certificate. `false` also allows plain HTTP (tried after
   * HTTPS), as Podman does for an insecure registry; an HTTPS registry with a certificate this
   * process does not trust still fails (Deno's `fetch` cannot skip verification per request).
   * @default {true}
   */
  tlsVerify?: boolean;
  /**
   * The auth file to write (a path or `file:` URL), instead of the one `podman login` uses
   * (`$REGISTRY_AUTH_FILE`, else `$XDG_RUNTIME_DIR/containers/auth.json`, else
   * `/run/containers/$UID/auth.json`).
   * @default {undefined}
   */
  authfile?: string | URL;
}

/** What `login()` did. */
export interface LoginReport {
  /** The key written: the registry (`host[:port]`), or `host/namespace` when one was given. */
  registry: string;
  /** The auth file written. */
  authfile: string;
}

/** The credentials a login checks and writes: a password, or an identity token. */
interface LoginSecret {
  username: string;
  password?: string;
  identityToken?: string;
}

function optionalString(value: unknown, name: string, action: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new TypeError(`${action}: ${name} must be a string, got ${typeof value}`);
  }
  if (value === "") throw new TypeError(`${action}: ${name} is empty`);
  return value;
}

/** Checks the credentials' shape; never puts a secret in the message. */
function loginSecret(options: LoginOptions, action: string): LoginSecret {
  const username = optionalString(options.username, "username", action);
  const password = optionalString(options.password, "password", action);
  const identityToken = optionalString(options.identityToken, "identityToken", action);
  if (password !== undefined && identityToken !== undefined) {
    throw new TypeError(`${action}: give password or identityToken, not both`);
  }
  if (identityToken !== undefined) return { username: username ?? "", identityToken };
  if (username === undefined || password === undefined) {
    throw new TypeError(`${action}: username and password (or identityToken) are required`);
  }
  // The file keeps base64("user:password"), read back by splitting at the first colon.
  if (username.includes(":")) {
    throw new RangeError(`${action}: the username must not contain ":"`);
  }
  return { username, password };
}

/** The auth file's entry, as `podman login` (password) or Docker (identity token) writes it. */
function authEntry(secret: LoginSecret): Record<string, string> {
  if (secret.identityToken !== undefined) {
    // containers/image uses an identity token only from an entry whose `auth` decodes to
    // "user:" (the colon is required), as Docker writes it.
    return { auth: base64(`${secret.username}:`), identitytoken: secret.identityToken };
  }
  return { auth: base64(`${secret.username}:${secret.password}`) };
}

/**
 * Logs in to a registry as `podman login` does: checks the credentials against the registry
 * (`GET /v2/`, answering its basic or bearer-token challenge; a token is asked for no scope),
 * then writes them into the auth file `podman login` uses (or `authfile`) as
 * `auths[registry] = { auth: base64("user:password") }` (with an identity token:
 * `{ auth: base64("user:"), identitytoken }`). The file is replaced atomically (a new file,
 * mode 0600, renamed over it); its other entries and keys are kept. Credentials the registry
 * refuses write nothing; nor does a login to a registry the file's `credHelpers` sends to a
 * helper (Podman would store them there; podrx does not run helpers to store).
 *
 * @returns A cold Observable: on subscribe it checks and writes, emits a {@linkcode LoginReport}
 * and completes. Errors are `APIError` (status 401) for credentials the registry or its token
 * service refuses, `APIError` for any other error answer, `PodmanError` for a registry that
 * cannot be reached (a plain-HTTP registry with `tlsVerify` left on) or an auth file that
 * cannot be read or written, `TimeoutError` after `timeout` ms without an answer; and, before
 * anything is sent, `TypeError`/`RangeError` for a bad registry or options. No message holds
 * the password, the identity token or their encodings.
 */
export function login(registry: string, options: LoginOptions): Operation<LoginReport> {
  const action = `Cannot log in to "${typeof registry === "string" ? registry : ""}"`;
  return deferredOperation(action, () => {
    checkOperationOptions(options, action);
    if (options === undefined) {
      throw new TypeError(`${action}: username and password (or identityToken) are required`);
    }
    const { key, registry: host } = loginKey(registry, action);
    const secret = loginSecret(options, action);
    if (options.tlsVerify !== undefined && typeof options.tlsVerify !== "boolean") {
      throw new TypeError(`${action}: tlsVerify must be a boolean`);
    }
    checkAuthfile(options.authfile, action);
    return operation<LoginReport>(action, options, async ({ emit, signal }) => {
      const authfile = await loginAuthFile(options.authfile, action);
      const session = new RegistrySession({
        host: registryApiHost(host),
        tlsVerify: options.tlsVerify ?? true,
        credentials: secret,
        signal,
        action,
      });
      try {
        const response = await session.get("/v2/", {}, "resource");
        await response.body?.cancel();
      } catch (error) {
        if (error instanceof APIError && error.status === 401) {
          throw new APIError(action, {
            status: error.status,
            method: error.method,
            path: error.path,
            explanation: `the credentials were refused: ${error.explanation}`,
          }, { cause: error });
        }
        throw error;
      }
      await editAuthFile(
        authfile,
        (auths, config) => {
          const helper = helperFor(config, key);
          if (helper !== undefined) {
            // Podman would store them with the helper; written to auths they would go unused.
            throw new PodmanError(
              `${action}: ${authfile} keeps the credentials of "${key}" in the credential helper ` +
                `"${helper}" (credHelpers), which login does not write to; ` +
                `use docker-credential-${helper}, or remove that credHelpers entry`,
            );
          }
          auths[key] = authEntry(secret);
          return true;
        },
        action,
        signal,
      );
      emit({ registry: key, authfile });
    }, "the registry");
  });
}
