import type { Operation } from "../async/operation.ts";
import { type AwaitTwins, awaitTwins } from "../async/twins.ts";
import { login, type LoginOptions, type LoginReport } from "./login.ts";
import { logout, type LogoutOptions, type LogoutReport, type LogoutTarget } from "./logout.ts";

/**
 * Registry credentials as `podman login` and `podman logout` keep them: in the auth file
 * (containers-auth.json(5)) every Podman and podrx on this machine reads. These operations
 * talk to the registry and the file from this process, never to the Podman service, so they
 * work without one; each is a cold Observable: nothing happens until subscribe, and
 * unsubscribing aborts.
 *
 * @example Logging in, then out
 * ```ts check-only
 * import { PodmanClient } from "@podrx/podrx";
 *
 * await using podman = new PodmanClient();
 * await podman.credentials.promises.login("registry.example.com", {
 *   username: "ci",
 *   password: Deno.env.get("REGISTRY_PASSWORD")!,
 * });
 * await podman.credentials.promises.logout("registry.example.com");
 * ```
 */
export class CredentialsManager {
  #promises: AwaitTwins<CredentialsManager> | undefined;
  readonly #authfile: string | undefined;

  /**
   * Makes the manager; `PodmanClient` makes one as `client.credentials`, with the auth file
   * its `credentials` option names (`{ authfile }`), which login and logout then use unless
   * the call names its own.
   */
  constructor(authfile?: string) {
    this.#authfile = authfile;
  }
  /**
   * The same operations as promises: each takes the same arguments (with `onProgress` among
   * the options) and resolves to the operation's result.
   */
  get promises(): AwaitTwins<CredentialsManager> {
    return (this.#promises ??= awaitTwins<CredentialsManager>(this));
  }

  /**
   * Checks credentials against a registry, then writes them into the auth file `podman login`
   * uses (or `authfile`); credentials the registry refuses write nothing.
   */
  login(registry: string, options: LoginOptions): Operation<LoginReport> {
    return login(registry, this.#withAuthfile(options));
  }

  /**
   * Removes a registry's entry (or, with `{ all: true }`, every entry) from the auth file
   * `podman logout` uses (or `authfile`).
   */
  logout(target: LogoutTarget, options?: LogoutOptions): Operation<LogoutReport> {
    return logout(target, this.#withAuthfile(options ?? {}));
  }

  #withAuthfile<O extends { authfile?: string | URL }>(options: O): O {
    // A bad `options` is the operation's to report, on subscribe.
    if (this.#authfile === undefined || typeof options !== "object" || options === null) {
      return options;
    }
    return options.authfile === undefined ? { ...options, authfile: this.#authfile } : options;
  }
}
