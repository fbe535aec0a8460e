import { PodmanError } from "../errors.ts";
import { isNotFound } from "../runtime/file_errors.ts";
import { files } from "../runtime/runtime.ts";

/** The `auths` object of an auth file, keyed by registry (or `registry/namespace`). */
export type AuthEntries = Record<string, unknown>;

/**
 * The credential helper an auth file's `credHelpers` names for `key`, if any: such a key's
 * credentials live in the helper, and an `auths` entry for it would go unused.
 */
export function helperFor(
  config: Readonly<Record<string, unknown>>,
  key: string,
): string | undefined {
  const helpers = config.credHelpers;
  if (typeof helpers !== "object" || helpers === null || !Object.hasOwn(helpers, key)) {
    return undefined;
  }
  const helper = (helpers as Record<string, unknown>)[key];
  return typeof helper === "string" && helper !== "" ? helper : undefined;
}

/**
 * Changes the `auths` of an auth file (containers-auth.json(5), Docker's `config.json`) the
 * way `podman login` does: the file is read whole (missing: empty), `edit` changes `auths` in
 * place (it sees the whole file too, to read), and when it returns `true` the file is replaced
 * atomically, by a new file in the same directory (mode 0600; the directory made 0700 when
 * missing) renamed over it. Every other key of the file and every other entry stay as they were. Messages name the file, never a
 * byte of its contents: it holds passwords.
 *
 * @throws {PodmanError} (as a rejection) When the file cannot be read or written, is not
 * JSON, or is not an object with an object `auths`; or whatever `edit` throws.
 */
export async function editAuthFile(
  path: string,
  edit: (auths: AuthEntries, config: Readonly<Record<string, unknown>>) => boolean,
  action: string,
  signal: AbortSignal,
): Promise<void> {
  const config = await readConfig(path, action);
  const auths = config.auths ??= {};
  if (typeof auths !== "object" || auths === null || Array.isArray(auths)) {
    throw new PodmanError(
      `${action}: the auth file ${path} is malformed: "auths" is not an object`,
    );
  }
  if (!edit(auths as AuthEntries, config)) return;
  signal.throwIfAborted();
  // Podman writes tab-indented JSON; so does this, to keep diffs of the file small.
  await replaceFile(path, JSON.stringify(config, null, "\t"), action, signal);
}

async function readConfig(path: string, action: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await files.readTextFile(path);
  } catch (error) {
    if (isNotFound(error)) return {};
    throw new PodmanError(`${action}: cannot read the auth file ${path}: ${reason(error)}`, {
      cause: error,
    });
  }
  if (text.trim() === "") return {};
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    // No cause and no parser message: both quote the text around the error, a password maybe.
    throw new PodmanError(`${action}: the auth file ${path} is malformed: it is not JSON`);
  }
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new PodmanError(`${action}: the auth file ${path} is malformed: it is not a JSON object`);
  }
  return config as Record<string, unknown>;
}

function dirname(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "." : slash === 0 ? "/" : path.slice(0, slash);
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function replaceFile(
  path: string,
  text: string,
  action: string,
  signal: AbortSignal,
): Promise<void> {
  const dir = dirname(path);
  // In the same directory, so that the rename is atomic; hidden, as Podman's own temp file is.
  const temp = `${dir}/.${path.slice(dir.length + 1)}.podrx-${randomSuffix()}`;
  let created = false;
  try {
    await files.mkdir(dir, { recursive: true, mode: 0o700 });
    const file = await files.open(temp, { write: true, createNew: true, mode: 0o600 });
    created = true;
    try {
      const bytes = new TextEncoder().encode(text);
      for (let written = 0; written < bytes.length;) {
        written += await file.write(bytes.subarray(written));
      }
      await file.sync();
    } finally {
      file.close();
    }
    signal.throwIfAborted();
    await files.rename(temp, path);
  } catch (error) {
    if (created) await files.remove(temp).catch(() => {});
    if (signal.aborted) throw error;
    throw new PodmanError(`${action}: cannot write the auth file ${path}: ${reason(error)}`, {
      cause: error,
    });
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
