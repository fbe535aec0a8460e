import { readEnv } from "../config/_read_env.ts";
import { PodmanError } from "../errors.ts";
import { isNotFound } from "../runtime/file_errors.ts";
import { files, host } from "../runtime/runtime.ts";

/**
 * The auth file `podman login` and `podman logout` would use (containers-auth.json(5)):
 * `authfile` when given; else `$REGISTRY_AUTH_FILE`; else, on Linux,
 * `$XDG_RUNTIME_DIR/containers/auth.json`, or `/run/containers/$UID/auth.json` without
 * `XDG_RUNTIME_DIR`; elsewhere `$HOME/.config/containers/auth.json`. A variable that may not
 * be read (no `--allow-env` for it) counts as unset.
 *
 * This is the one file login writes; reading credentials looks at more files (and Docker's).
 *
 * @param authfile A path or `file:` URL given by the caller.
 * @param action Starts the error message.
 * @returns The file's path (it need not exist).
 * @throws {PodmanError} (as a rejection) When `XDG_RUNTIME_DIR` names a directory that does
 * not exist (Podman refuses it too), or when the user id is needed and `--allow-sys=uid` is
 * missing.
 */
export async function loginAuthFile(
  authfile: string | URL | undefined,
  action: string,
): Promise<string> {
  if (authfile !== undefined) {
    return authfile instanceof URL ? decodeURIComponent(authfile.pathname) : authfile;
  }
  const fromEnv = readEnv("REGISTRY_AUTH_FILE");
  if (fromEnv !== undefined) return fromEnv;
  if (host.os !== "linux") {
    const home = readEnv("HOME");
    if (home === undefined) {
      throw new PodmanError(
        `${action}: cannot find the auth file: HOME is not set (or not readable)`,
      );
    }
    return `${home}/.config/containers/auth.json`;
  }
  const runtimeDir = readEnv("XDG_RUNTIME_DIR");
  if (runtimeDir !== undefined) {
    if (!(await exists(runtimeDir))) {
      throw new PodmanError(
        `${action}: the directory "${runtimeDir}" set by XDG_RUNTIME_DIR does not exist; ` +
          "create it, unset XDG_RUNTIME_DIR, or give authfile",
      );
    }
    return `${runtimeDir}/containers/auth.json`;
  }
  let uid: number | null;
  try {
    uid = host.uid();
  } catch (error) {
    throw new PodmanError(
      `${action}: cannot find the auth file: /run/containers/UID/auth.json needs the user id ` +
        `(${error instanceof Error ? error.message : error}); or give authfile`,
      { cause: error },
    );
  }
  return `/run/containers/${uid ?? 0}/auth.json`;
}

/**
 * Checks an `authfile` option: a non-empty path or a `file:` URL. Run on subscribe.
 *
 * @throws {TypeError} For another type, or an empty path.
 * @throws {RangeError} For a URL that is not `file:`.
 */
export function checkAuthfile(authfile: unknown, action: string): void {
  if (authfile === undefined) return;
  if (authfile instanceof URL) {
    if (authfile.protocol !== "file:") {
      throw new RangeError(
        `${action}: authfile must be a path or a file: URL, got "${authfile.protocol}"`,
      );
    }
    return;
  }
  if (typeof authfile !== "string" || authfile.trim() === "") {
    throw new TypeError(`${action}: authfile must be a non-empty path`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await files.stat(path);
    return true;
  } catch (error) {
    // Only a missing directory is refused; any other failure shows when the file is written.
    return !(isNotFound(error));
  }
}
