/**
 * One auth file read and checked: `auths` (its entries' `auth` decoded only when used),
 * `credHelpers` and `credsStore`. No error names more of the file than its path, a key and the
 * field at fault: the file holds passwords.
 *
 * @module
 */

import { PodmanError } from "../errors.ts";
import type { AuthFile } from "./auth_files.ts";
import { isNotCapable, isNotFound, isPermissionDenied } from "../runtime/file_errors.ts";
import { files } from "../runtime/runtime.ts";

/** An `auths` entry with its fields checked; `auth` is still base64 `user:password`. */
export interface AuthEntry {
  /** Base64 of `user:password`; empty in the markers Docker writes for a `credsStore`. */
  auth: string | undefined;
  /** An identity token, instead of a password. */
  identityToken: string | undefined;
  /** E-mail, which old Docker versions kept. */
  email: string | undefined;
}

/** What one auth file holds. */
export interface AuthFileContents {
  /** The file. */
  file: AuthFile;
  /** `auths` (the legacy format's top level), in the file's order. */
  auths: ReadonlyMap<string, AuthEntry>;
  /** `credHelpers`: registry to helper name (`docker-credential-NAME`). */
  credHelpers: ReadonlyMap<string, string>;
  /** `credsStore`: Docker's helper for every registry `credHelpers` does not name. */
  credsStore: string | undefined;
}

/** Credentials an entry decodes to. */
export interface EntryCredentials {
  /** User name. */
  username: string | undefined;
  /** Password. */
  password: string | undefined;
  /** Identity token. */
  identityToken: string | undefined;
  /** E-mail. */
  email: string | undefined;
}

/**
 * Reads an auth file. A file of the default list that does not exist or may not be read (no
 * `--allow-read` for it, or the system's permissions) is absent, as Podman skips a missing
 * one; a file the caller named must be there and readable.
 *
 * @param file The file.
 * @param action Starts every error message.
 * @returns Its contents, or `undefined` when it is absent.
 * @throws {PodmanError} (as a rejection) When it cannot be read, is not JSON, or a field has the
 * wrong type; the message names the file and the field, never the file's contents.
 */
export async function readAuthFile(
  file: AuthFile,
  action: string,
): Promise<AuthFileContents | undefined> {
  let text: string;
  try {
    text = await files.readTextFile(file.path);
  } catch (error) {
    const absent = isNotFound(error) ||
      isNotCapable(error) || isPermissionDenied(error);
    if (absent && !file.explicit) return undefined;
    throw new PodmanError(`${action}: ${readFailure(file.path, error)}`, { cause: error });
  }
  return parseAuthFile(file, text, action);
}

function readFailure(path: string, error: unknown): string {
  if (isNotFound(error)) return `the auth file ${path} does not exist`;
  if (isNotCapable(error)) {
    return `reading the auth file ${path} needs --allow-read=${path}`;
  }
  return `cannot read the auth file ${path}: ${(error as Error).message}`;
}

function parseAuthFile(file: AuthFile, text: string, action: string): AuthFileContents {
  const fail = (problem: string): never => {
    throw new PodmanError(`${action}: the auth file ${file.path} ${problem}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Not JSON.parse's message, nor the error as cause: V8 quotes the text it choked on.
    fail(`is not valid JSON${jsonPosition(error)}`);
  }
  if (!isRecord(parsed)) return fail("does not hold a JSON object");
  const auths = new Map<string, AuthEntry>();
  const authsValue = file.legacy ? parsed : parsed.auths;
  if (authsValue !== undefined && authsValue !== null) {
    if (!isRecord(authsValue)) fail(`has an "auths" that is not an object`);
    for (const [key, value] of Object.entries(authsValue as Record<string, unknown>)) {
      auths.set(key, authEntry(value, (problem) => fail(`has an entry "${key}" ${problem}`)));
    }
  }
  const credHelpers = new Map<string, string>();
  if (!file.legacy && parsed.credHelpers !== undefined && parsed.credHelpers !== null) {
    if (!isRecord(parsed.credHelpers)) fail(`has a "credHelpers" that is not an object`);
    for (const [registry, helper] of Object.entries(parsed.credHelpers as object)) {
      if (typeof helper !== "string") {
        fail(`has a "credHelpers" entry "${registry}" that is not a string`);
      }
      credHelpers.set(registry, helper as string);
    }
  }
  const credsStore = file.legacy ? undefined : parsed.credsStore;
  if (credsStore !== undefined && credsStore !== null && typeof credsStore !== "string") {
    fail(`has a "credsStore" that is not a string`);
  }
  return { file, auths, credHelpers, credsStore: (credsStore as string | null) || undefined };
}

function authEntry(value: unknown, fail: (problem: string) => never): AuthEntry {
  // Go's decoder, which Podman reads these files with, takes null for an empty entry.
  if (value === null) return { auth: undefined, identityToken: undefined, email: undefined };
  if (!isRecord(value)) return fail("that is not an object");
  const field = (name: string): string | undefined => {
    const found = value[name];
    if (found === undefined || found === null) return undefined;
    if (typeof found !== "string") fail(`whose "${name}" is not a string`);
    return found as string;
  };
  return { auth: field("auth"), identityToken: field("identitytoken"), email: field("email") };
}

/**
 * The credentials an entry holds: `auth`'s user and password (NUL padding trimmed, as
 * containers/image does) and `identitytoken`; `undefined` for an entry that holds none (the
 * markers Docker writes for a `credsStore`).
 *
 * @throws {PodmanError} When `auth` is not base64 of `user:password`; the message names the
 * file and the key only.
 */
export function entryCredentials(
  contents: AuthFileContents,
  key: string,
  entry: AuthEntry,
  action: string,
): EntryCredentials | undefined {
  let username: string | undefined;
  let password: string | undefined;
  if (entry.auth) {
    const fail = (problem: string): never => {
      throw new PodmanError(
        `${action}: the auth file ${contents.file.path} has an entry "${key}" whose "auth" ${problem}`,
      );
    };
    let decoded = "";
    try {
      const binary = atob(entry.auth);
      decoded = new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
    } catch {
      fail("is not base64");
    }
    const colon = decoded.indexOf(":");
    if (colon === -1) fail(`is not base64 of "user:password"`);
    username = decoded.slice(0, colon) || undefined;
    password = decoded.slice(colon + 1).replace(/^\0+|\0+$/g, "") || undefined;
  }
  const identityToken = entry.identityToken || undefined;
  if (username === undefined && password === undefined && identityToken === undefined) {
    return undefined;
  }
  return { username, password, identityToken, email: entry.email || undefined };
}

function jsonPosition(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  const line = /\(line (\d+) column (\d+)\)/.exec(message);
  if (line) return ` (line ${line[1]} column ${line[2]})`;
  const position = /at position (\d+)/.exec(message);
  if (position) return ` (at character ${position[1]})`;
  if (/end of JSON input/.test(message)) return " (it ends too early)";
  return "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
