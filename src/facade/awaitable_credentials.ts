import type { AwaitOptions } from "../async/await_options.ts";
import { lastOf } from "../async/settle.ts";
import type { TwinsOf } from "../async/twins.ts";
import type { CredentialsManager } from "../credentials/credentials_manager.ts";
import type { LoginOptions, LoginReport } from "../credentials/login.ts";
import type { LogoutOptions, LogoutReport, LogoutTarget } from "../credentials/logout.ts";

/**
 * The credential operations as promises; each method has the name and options of its
 * {@linkcode CredentialsManager} twin, plus `signal`. Get it as `client.credentials.promises`.
 *
 * @example
 * ```ts ignore
 * await podman.credentials.promises.login("registry.example.com", { username, password });
 * await podman.credentials.promises.logout({ all: true });
 * ```
 */
export class AwaitableCredentials {
  readonly #credentials: CredentialsManager;

  /** Wraps a manager; use `client.credentials.promises`. */
  constructor(credentials: CredentialsManager) {
    this.#credentials = credentials;
  }

  /** `login()` as a promise of the report (the key and the file written). */
  login(registry: string, options: LoginOptions & AwaitOptions): Promise<LoginReport> {
    return lastOf(this.#credentials.login(registry, options));
  }

  /** `logout()` as a promise of the report (the keys removed and the file). */
  logout(target: LogoutTarget, options: LogoutOptions & AwaitOptions = {}): Promise<LogoutReport> {
    return lastOf(this.#credentials.logout(target, options));
  }
}

true satisfies TwinsOf<CredentialsManager, AwaitableCredentials>;
