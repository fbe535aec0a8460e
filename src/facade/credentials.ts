import { CredentialsManager } from "../credentials/credentials_manager.ts";
import { AwaitableCredentials } from "./awaitable_credentials.ts";

/**
 * What `client.credentials` is: the {@linkcode CredentialsManager}, every operation as a cold
 * Observable, with the same operations as promises under `promises`.
 *
 * @example
 * ```ts ignore
 * await podman.credentials.promises.logout("registry.example.com");
 * ```
 */
export class Credentials extends CredentialsManager {
  #promises: AwaitableCredentials | undefined;

  /**
   * The same operations as promises.
   *
   * @example
   * ```ts ignore
   * const { authfile } = await podman.credentials.promises.login("registry.example.com", {
   *   username: "ci",
   *   password: "secret",
   * });
   * ```
   */
  get promises(): AwaitableCredentials {
    return (this.#promises ??= new AwaitableCredentials(this));
  }
}
