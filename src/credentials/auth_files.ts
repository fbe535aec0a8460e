/**
 * Where registry credentials are kept: the auth files `podman login` and `docker login` write,
 * in the order Podman reads them (containers-auth.json(5), containers/image's
 * `pkg/docker/config`).
 *
 * @module
 */

import { readEnv } from "../config/_read_env.ts";
import { host } from "../runtime/runtime.ts";

/** One auth file to read; see {@linkcode authFiles}. */
export interface AuthFile {
  /** The file's path; it need not exist. */
  path: string;
  /**
   * `~/.dockercfg`'s legacy format: the top-level object maps registries to entries, with no
   * `auths`, `credHelpers` or `credsStore`.
   */
  legacy: boolean;
  /**
   * Named by the caller (the `authfile` option or `REGISTRY_AUTH_FILE`), so read alone, and
   * an error when it is missing or may not be read, as `podman --authfile` is.
   */
  explicit: boolean;
}

/** Options for {@linkcode authFiles}. */
export interface AuthFilesOptions {
  /** An auth file to read alone, as `podman --authfile`: it wins over `REGISTRY_AUTH_FILE`. */
  authfile?: string | undefined;
}

/**
 * The auth files to read, first wins: the `authfile` option alone, else `REGISTRY_AUTH_FILE`
 * alone; else `$XDG_RUNTIME_DIR/containers/auth.json` (`/run/containers/$UID/auth.json`
 * without it; `~/.config/containers/auth.json` on other systems than Linux),
 * `$XDG_CONFIG_HOME/containers/auth.json` (`~/.config/containers/auth.json`),
 * `$DOCKER_CONFIG/config.json` (`~/.docker/config.json`) and `~/.dockercfg`.
 *
 * A variable that may not be read (no `--allow-env` for it) counts as unset; a path that needs
 * one (`HOME`) is then left out, and so is `/run/containers/$UID/auth.json` without
 * `--allow-sys=uid`. The first file is the one `podman login` writes.
 *
 * @param options The caller's `authfile`.
 * @returns The files, in order; none of them need exist.
 *
 * @example The file `podman login --authfile` writes, read alone
 * ```ts
 * import { authFiles } from "./auth_files.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(authFiles({ authfile: "/tmp/auth.json" }), [
 *   { path: "/tmp/auth.json", legacy: false, explicit: true },
 * ]);
 * ```
 *
 * @example Where the credentials of this user may be
 * ```ts check-only
 * import { authFiles } from "./auth_files.ts";
 *
 * for (const file of authFiles()) console.log(file.path);
 * // /run/user/1000/containers/auth.json
 * // /home/ada/.config/containers/auth.json
 * // /home/ada/.docker/config.json
 * // /home/ada/.dockercfg
 * ```
 */
export function authFiles(options: AuthFilesOptions = {}): AuthFile[] {
  const named = options.authfile || readEnv("REGISTRY_AUTH_FILE");
  if (named) return [{ path: named, legacy: false, explicit: true }];
  const home = readEnv("HOME");
  const config = readEnv("XDG_CONFIG_HOME") || (home && `${home}/.config`);
  const dockerConfig = readEnv("DOCKER_CONFIG");
  const paths = [
    runtimeAuthFile(home),
    config && `${config}/containers/auth.json`,
    dockerConfig ? `${dockerConfig}/config.json` : home && `${home}/.docker/config.json`,
  ];
  const files: AuthFile[] = [];
  for (const path of paths) {
    // Off Linux the first two can be the same file.
    if (path && !files.some((file) => file.path === path)) {
      files.push({ path, legacy: false, explicit: false });
    }
  }
  if (home) files.push({ path: `${home}/.dockercfg`, legacy: true, explicit: false });
  return files;
}

function runtimeAuthFile(home: string | undefined): string | undefined {
  if (host.os !== "linux") return home && `${home}/.config/containers/auth.json`;
  const runtimeDir = readEnv("XDG_RUNTIME_DIR");
  if (runtimeDir) return `${runtimeDir}/containers/auth.json`;
  try {
    return `/run/containers/${host.uid()}/auth.json`;
  } catch {
    // No --allow-sys=uid: the file is skipped like a variable that may not be read.
    return undefined;
  }
}
