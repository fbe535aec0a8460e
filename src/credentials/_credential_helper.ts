/**
 * Runs a Docker credential helper (`docker-credential-NAME get`, the protocol of
 * docker/docker-credential-helpers): the server URL on its stdin, `{ServerURL, Username,
 * Secret}` as JSON on its stdout. Nothing the helper writes reaches an error: its stdout holds
 * the secret, and its stderr may repeat it.
 *
 * @module
 */

import { PodmanError } from "../errors.ts";
import { isNotCapable, isNotFound } from "../runtime/file_errors.ts";
import type { ChildProcess } from "../runtime/processes.ts";
import { processes } from "../runtime/runtime.ts";

/** A helper's answer; a `<token>` user name made an identity token of the secret. */
export interface HelperCredentials {
  /** User name; none with an identity token. */
  username: string | undefined;
  /** Password. */
  password: string | undefined;
  /** Identity token. */
  identityToken: string | undefined;
}

// What docker-credential-helpers' helpers print on stdout, exiting with 1, for no entry.
const NOT_FOUND = "credentials not found in native keychain";
// A helper name is the end of a program name, never a path.
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Asks a helper for a server's credentials.
 *
 * @param name The helper's name, as `credHelpers` and `credsStore` give it.
 * @param serverUrl What the helper is asked for: a registry host, or Docker Hub's URL.
 * @param where The file that named the helper, for messages.
 * @param action Starts every error message.
 * @param signal Kills the helper; the promise then rejects with the signal's reason.
 * @returns The credentials, or `undefined` when the helper has none for the server.
 * @throws {PodmanError} (as a rejection) When the name is not a helper name, the helper is not
 * on PATH or may not be run (no `--allow-run` for it), fails, or answers with no credentials.
 */
export async function askCredentialHelper(
  name: string,
  serverUrl: string,
  where: string,
  action: string,
  signal: AbortSignal | undefined,
): Promise<HelperCredentials | undefined> {
  const fail = (problem: string, cause?: unknown): never => {
    throw new PodmanError(`${action}: ${problem}`, cause === undefined ? undefined : { cause });
  };
  if (!HELPER_NAME.test(name)) {
    fail(`${where} names the credential helper "${name}", which is not a helper name`);
  }
  signal?.throwIfAborted();
  const program = `docker-credential-${name}`;
  let child: ChildProcess;
  try {
    child = await processes.spawn(program, {
      args: ["get"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (isNotCapable(error)) {
      return fail(`running the credential helper ${program} needs --allow-run=${program}`, error);
    }
    if (isNotFound(error)) {
      return fail(`the credential helper ${program} (named in ${where}) is not on PATH`, error);
    }
    return fail(
      `cannot start the credential helper ${program}: ${(error as Error).message}`,
      error,
    );
  }
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(serverUrl));
    await writer.close();
  } catch {
    // A helper that exits without reading its input; its exit status tells what happened.
  }
  const output = await child.output();
  signal?.throwIfAborted();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) {
    if (stdout === NOT_FOUND) return undefined;
    const how = output.signal
      ? `was killed by ${output.signal}`
      : `exited with code ${output.code}`;
    return fail(`the credential helper ${program} ${how}`);
  }
  let answer: unknown;
  try {
    answer = JSON.parse(stdout);
  } catch {
    // Not the parser's message: V8 quotes the text, which may be the secret.
  }
  const { Username: username, Secret: secret } = (answer ?? {}) as Record<string, unknown>;
  if (typeof username !== "string" || typeof secret !== "string") {
    return fail(`the credential helper ${program} did not answer with JSON credentials`);
  }
  if (username === "" && secret === "") return undefined;
  if (username === "<token>") {
    return { username: undefined, password: undefined, identityToken: secret || undefined };
  }
  return {
    username: username || undefined,
    password: secret || undefined,
    identityToken: undefined,
  };
}
