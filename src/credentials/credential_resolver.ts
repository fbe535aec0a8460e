/**
 * Registry credentials as the user has them: from the auth files `podman login` and
 * `docker login` write, and the Docker credential helpers those files name, read the way
 * Podman (containers-auth.json(5)) and docker-py read them.
 *
 * - Files, first wins: see {@linkcode authFiles} (the `authfile` option or
 *   `REGISTRY_AUTH_FILE` alone; else the runtime, config-home, Docker and legacy files).
 * - In each file: `credHelpers[registry]` first (`docker-credential-NAME get`, asked for the
 *   key as the file writes it); else Docker's `credsStore`, for a registry that `auths` has an
 *   entry for (the empty marker `docker login` writes beside a store); a helper that has
 *   nothing for the registry lets the file's `auths` answer. Then `auths`, most specific key
 *   first (`reg/ns/repo`, `reg/ns`, `reg`), then keys of other forms for the registry
 *   (`https://reg/v1/`; Docker Hub's `https://index.docker.io/v1/`, `index.docker.io`,
 *   `registry-1.docker.io`). An entry without credentials (a marker) is passed over.
 * - Permissions: a variable that may not be read (no `--allow-env`) is unset, and a file of
 *   the default list that may not be read (no `--allow-read`) is absent, so both are skipped.
 *   A file the caller named must be readable. A helper needs `--allow-run` for its own
 *   program only (`--allow-run=docker-credential-NAME`), and only when a lookup reaches it.
 * - Secrets: errors name a file, a key, a field or a helper, never a file's contents or what a
 *   helper printed; the `AuthConfig`s returned show `<redacted>` for their password and token
 *   in `console.log` and `Deno.inspect`.
 *
 * @module
 */

import type { AuthConfig } from "../vocabulary/registry_auth.ts";
import { type AuthFileContents, entryCredentials, readAuthFile } from "./_auth_file.ts";
import { askCredentialHelper, type HelperCredentials } from "./_credential_helper.ts";
import {
  canonicalRegistry,
  type CredentialKey,
  credentialKey,
  lookupOrder,
  normalizeAuthKey,
} from "./_credential_key.ts";
import { redactedAuthConfig } from "./_redacted_auth.ts";
import { authFiles } from "./auth_files.ts";

/** Options for {@linkcode resolveCredentials} and {@linkcode resolveAllCredentials}. */
export interface CredentialOptions {
  /**
   * An auth file to read alone, as `podman --authfile`: `REGISTRY_AUTH_FILE` and the default
   * files are then not read. It must exist.
   */
  authfile?: string | undefined;
  /** Stops a credential helper that is running; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/**
 * The credentials the user has for an image reference's registry (or for a registry named
 * alone: `quay.io`, `localhost:5000`): what `podman pull` would use without `--creds`.
 *
 * @param target An image reference with a registry (`registry.example.com/team/app:1`), or a
 * registry host. A reference without one (`busybox`) resolves nothing: the server's search
 * list, not the client, picks its registry.
 * @param options The caller's auth file; a signal for the helpers.
 * @returns The credentials, with `serverAddress` set to the registry (Docker Hub as
 * `docker.io`), or `undefined` when no file or helper has any.
 * @throws {TypeError} (as a rejection) When the reference is not a string, or is empty.
 * @throws {RangeError} (as a rejection) When it is malformed.
 * @throws {PodmanError} (as a rejection) When a file it reads is malformed, a named file is
 * missing or may not be read, or a helper is missing, may not be run, fails, or answers
 * with no credentials; the message names the file or the helper.
 *
 * @example Reading the file `podman login --authfile` wrote
 * ```ts
 * import { resolveCredentials } from "./credential_resolver.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(
 *   `${dir}/auth.json`,
 *   JSON.stringify({ auths: { "registry.example.com": { auth: btoa("ada:hunter2") } } }),
 * );
 * const auth = await resolveCredentials("registry.example.com/team/app:1", {
 *   authfile: `${dir}/auth.json`,
 * });
 * assert.equal(auth?.username, "ada");
 * assert.equal(auth?.serverAddress, "registry.example.com");
 * assert.ok(!Deno.inspect(auth).includes("hunter2"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function resolveCredentials(
  target: string,
  options: CredentialOptions = {},
): Promise<AuthConfig | undefined> {
  options.signal?.throwIfAborted();
  const key = credentialKey(target);
  if (key === undefined) return undefined;
  const lookup = new Lookup(`Cannot resolve credentials for "${target}"`, options.signal);
  for (const file of authFiles(options)) {
    const contents = await readAuthFile(file, lookup.action);
    const found = contents && await lookup.inFile(contents, key);
    if (found) return found;
  }
  return undefined;
}

/**
 * Every credential the user has, keyed as Podman reads `X-Registry-Config` (a build's
 * credentials for the registries its `FROM` lines pull from): each `auths` key of every file
 * (URL keys as their host, Docker Hub as `docker.io`, namespaced keys as they are) and each
 * `credHelpers` registry, resolved as {@linkcode resolveCredentials} resolves it (the first
 * file that has something wins), so each helper is asked once per registry. A `credsStore`
 * is asked for the registries `auths` has markers for, not for its whole `list`: a store
 * holds entries of other tools too, and each one asked may start a process.
 *
 * @param options The caller's auth file; a signal for the helpers.
 * @returns The credentials by key; registries whose helpers have none are left out.
 * @throws {PodmanError} (as a rejection) As {@linkcode resolveCredentials}, for any file or
 * helper: a build would otherwise go on without credentials it may need.
 *
 * @example
 * ```ts
 * import { resolveAllCredentials } from "./credential_resolver.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(
 *   `${dir}/config.json`,
 *   JSON.stringify({
 *     auths: {
 *       "https://index.docker.io/v1/": { auth: btoa("ada:hub-token") },
 *       "quay.io/team": { auth: btoa("ada:quay-secret") },
 *     },
 *   }),
 * );
 * const all = await resolveAllCredentials({ authfile: `${dir}/config.json` });
 * assert.deepEqual(Object.keys(all), ["docker.io", "quay.io/team"]);
 * assert.equal(all["quay.io/team"]?.serverAddress, "quay.io");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function resolveAllCredentials(
  options: CredentialOptions = {},
): Promise<Record<string, AuthConfig>> {
  options.signal?.throwIfAborted();
  const lookup = new Lookup("Cannot resolve registry credentials", options.signal);
  const files: AuthFileContents[] = [];
  for (const file of authFiles(options)) {
    const contents = await readAuthFile(file, lookup.action);
    if (contents !== undefined) files.push(contents);
  }
  const keys = new Set<string>();
  for (const contents of files) {
    for (const registry of contents.credHelpers.keys()) keys.add(normalizeAuthKey(registry, false));
    for (const key of contents.auths.keys()) keys.add(normalizeAuthKey(key, contents.file.legacy));
  }
  const all = new Map<string, AuthConfig>();
  for (const key of keys) {
    if (key === "") continue;
    const slash = key.indexOf("/");
    const registry = canonicalRegistry(slash === -1 ? key : key.slice(0, slash));
    for (const contents of files) {
      const found = await lookup.inFile(contents, { registry, key });
      if (found) {
        all.set(key, found);
        break;
      }
    }
  }
  // Through fromEntries: a key a file spells "__proto__" is then a key like any other.
  return Object.fromEntries(all);
}

/** One resolution: its error wording, its signal, and the helpers' answers so far. */
class Lookup {
  readonly action: string;
  readonly #signal: AbortSignal | undefined;
  readonly #answers = new Map<string, Promise<HelperCredentials | undefined>>();

  constructor(action: string, signal: AbortSignal | undefined) {
    this.action = action;
    this.#signal = signal;
  }

  /** The credentials one file has for a key, or `undefined`. */
  async inFile(contents: AuthFileContents, key: CredentialKey): Promise<AuthConfig | undefined> {
    const helper = helperFor(contents, key.registry);
    if (helper !== undefined) {
      const found = await this.#ask(helper);
      if (found) return redactedAuthConfig({ ...found, serverAddress: key.registry });
    }
    const { auths, file } = contents;
    const exact = lookupOrder(key, file.legacy).filter((name) => auths.has(name));
    const other = [...auths.keys()].filter((name) =>
      !exact.includes(name) && normalizeAuthKey(name, file.legacy) === key.registry
    );
    for (const name of [...exact, ...other]) {
      const found = entryCredentials(contents, name, auths.get(name)!, this.action);
      if (found) return redactedAuthConfig({ ...found, serverAddress: key.registry });
    }
    return undefined;
  }

  #ask(helper: HelperUse): Promise<HelperCredentials | undefined> {
    // The same helper and server, asked again for another key or from another file.
    const id = `${helper.name}\n${helper.serverUrl}`;
    let answer = this.#answers.get(id);
    if (answer === undefined) {
      answer = askCredentialHelper(
        helper.name,
        helper.serverUrl,
        helper.where,
        this.action,
        this.#signal,
      );
      this.#answers.set(id, answer);
    }
    return answer;
  }
}

/** A helper to ask, what to ask it for, and which file named it. */
interface HelperUse {
  name: string;
  serverUrl: string;
  where: string;
}

/**
 * The helper a file names for a registry: `credHelpers` (its key as written, else one of
 * another form), else `credsStore` when `auths` has an entry for the registry, asked for that
 * entry's key as written (Docker Hub's store entries are under its URL).
 */
function helperFor(contents: AuthFileContents, registry: string): HelperUse | undefined {
  const path = contents.file.path;
  const named = (keys: Iterable<string>, legacy: boolean): string | undefined => {
    const all = [...keys];
    return all.find((key) => key === registry) ??
      all.find((key) => normalizeAuthKey(key, legacy) === registry);
  };
  const helperKey = named(contents.credHelpers.keys(), false);
  if (helperKey !== undefined) {
    const name = contents.credHelpers.get(helperKey)!;
    return { name, serverUrl: helperKey, where: `"credHelpers" of ${path}` };
  }
  if (contents.credsStore === undefined) return undefined;
  const marker = named(contents.auths.keys(), contents.file.legacy);
  if (marker === undefined) return undefined;
  return { name: contents.credsStore, serverUrl: marker, where: `"credsStore" of ${path}` };
}
