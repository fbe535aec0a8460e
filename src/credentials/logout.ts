import { deferredOperation, type Operation } from "../async/operation.ts";
import { checkOperationOptions, operation, type OperationOptions } from "../client/operation.ts";
import { PodmanError } from "../errors.ts";
import { loginKey } from "./_login_key.ts";
import { editAuthFile, helperFor } from "./_edit_auth_file.ts";
import { checkAuthfile, loginAuthFile } from "./login_auth_file.ts";

/** What `logout()` takes: a registry (or `registry/namespace`), or `{ all: true }` for every one. */
export type LogoutTarget = string | { readonly all: true };

/** Options for `credentials.logout()`. */
export interface LogoutOptions extends OperationOptions {
  /**
   * The auth file to change (a path or `file:` URL), instead of the one `podman logout` uses.
   * @default {undefined}
   */
  authfile?: string | URL;
}

/** What `logout()` did. */
export interface LogoutReport {
  /** The keys removed from `auths` (none when `{ all: true }` found none). */
  registries: string[];
  /** The auth file changed. */
  authfile: string;
}

function isAll(target: LogoutTarget): target is { readonly all: true } {
  return typeof target === "object" && target !== null && "all" in target;
}

/**
 * Logs out of a registry as `podman logout` does: removes its entry from `auths` of the auth
 * file `podman login` uses (or `authfile`), every other entry and key kept; `{ all: true }`
 * removes every `auths` entry (`credHelpers` are left alone). The file is replaced atomically,
 * as by login. The registry is not contacted.
 *
 * @returns A cold Observable: on subscribe it changes the file, emits a {@linkcode LogoutReport}
 * and completes. Errors are a `PodmanError` naming the registry when the file has no entry for
 * it (as `podman logout` fails), or naming the file when it cannot be read, parsed or
 * written; and, before anything is done, `TypeError`/`RangeError` for a bad registry or options.
 */
export function logout(
  target: LogoutTarget,
  options: LogoutOptions = {},
): Operation<LogoutReport> {
  const all = isAll(target);
  const action = all
    ? "Cannot log out of every registry"
    : `Cannot log out of "${typeof target === "string" ? target : ""}"`;
  return deferredOperation(action, () => {
    checkOperationOptions(options, action);
    if (all && target.all !== true) {
      throw new TypeError(`${action}: give { all: true } to log out of every registry`);
    }
    const key = all ? undefined : loginKey(target, action).key;
    checkAuthfile(options.authfile, action);
    return operation<LogoutReport>(action, options, async ({ emit, signal }) => {
      const authfile = await loginAuthFile(options.authfile, action);
      let registries: string[] = [];
      await editAuthFile(
        authfile,
        (auths, config) => {
          if (key === undefined) {
            registries = Object.keys(auths);
            for (const registry of registries) delete auths[registry];
            return registries.length > 0;
          }
          if (!Object.hasOwn(auths, key)) {
            const helper = helperFor(config, key);
            const where = helper === undefined
              ? ""
              : `; its credHelpers keep them in "${helper}", which logout does not erase`;
            throw new PodmanError(
              `${action}: not logged in (${authfile} has no entry for it${where})`,
            );
          }
          delete auths[key];
          registries = [key];
          return true;
        },
        action,
        signal,
      );
      emit({ registries, authfile });
    });
  });
}
