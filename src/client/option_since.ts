import type { Observable } from "rxjs";
import { PodmanError } from "../errors.ts";
import { apiAtLeast } from "./api_version.ts";
import { operation, type OperationOptions } from "./operation.ts";
import type { Requester } from "./requester.ts";

/** An option that only servers from some version on read: its name, and that version. */
export type OptionSince<O> = readonly [option: keyof O & string, major: number, minor: number];

/**
 * Fails for an option the server's version does not read. Podman's handlers skip query
 * parameters they do not know, so such an option would be dropped without a word; an option
 * left `undefined` passes.
 *
 * @param options The operation's options.
 * @param since Each version-bound option, with the first Podman version that reads it.
 * @param version The server's libpod API version, e.g. `"4.3.1"`.
 * @param action What failed, for the message.
 * @throws {PodmanError} Naming the first option given that the server is too old for, the
 * version it needs and the server's version.
 */
export function requireOptionsSince<O extends object>(
  options: O,
  since: readonly OptionSince<O>[],
  version: string,
  action: string,
): void {
  for (const [option, major, minor] of since) {
    if (options[option] !== undefined && !apiAtLeast(version, major, minor)) {
      throw new PodmanError(
        `${action}: ${option} needs Podman ${major}.${minor} or later; the server runs ${version}`,
      );
    }
  }
}

/**
 * A cold Observable that reads the server's version and emits it once, or errors with
 * {@linkcode requireOptionsSince}'s `PodmanError` for an option the server is too old for:
 * for an operation whose request is fixed before it is sent, to check first.
 */
export function optionsSupported<O extends OperationOptions>(
  requester: Requester,
  options: O,
  since: readonly OptionSince<O>[],
  action: string,
): Observable<string> {
  return operation<string>(action, options, async ({ emit, signal }) => {
    const version = await requester.apiVersion(signal);
    requireOptionsSince(options, since, version, action);
    emit(version);
  });
}
