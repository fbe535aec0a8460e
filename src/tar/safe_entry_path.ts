import { PodmanError } from "../errors.ts";

/**
 * Checks that an archive entry's name can be written under a directory without leaving it,
 * and gives it back as a plain relative path. Entry names come from the server: an archive
 * whose names are absolute (`/etc/passwd`) or climb out (`../x`, `a/../../b`) would make an
 * extract write anywhere the process may write ("zip slip"), so such names are refused rather
 * than repaired. Refused too: a NUL (no file name holds one; it would cut the path short),
 * a backslash or a drive letter (separators and roots on Windows, where `a\..\..\b` climbs
 * out), and a name with no part left (`""`, `.`, `./`).
 *
 * Names alone cannot show a symlink planted by an earlier entry (`a` -> `/etc`, then
 * `a/passwd`): an extract must not create symlinks it then writes through.
 *
 * @param name The entry's name as the archive gives it.
 * @param action What the caller is doing, at the start of the error message.
 * @returns The name's parts joined by `/`, with `.` parts, empty parts and any trailing `/`
 *   left out: to join to the target directory.
 * @throws {PodmanError} When the name is unsafe; the message quotes it.
 *
 * @example Refusing a path that climbs out
 * ```ts
 * import { safeEntryPath } from "./safe_entry_path.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(safeEntryPath("./model/weights.bin", "Cannot extract"), "model/weights.bin");
 * assert.throws(() => safeEntryPath("../x", "Cannot extract"), /^PodmanError: Cannot extract: /);
 * ```
 */
export function safeEntryPath(name: string, action: string): string {
  const refuse = (why: string): never => {
    throw new PodmanError(
      `${action}: the archive's entry ${JSON.stringify(name)} is refused: ${why}`,
    );
  };
  if (name.includes("\0")) refuse("it holds a NUL");
  if (name.includes("\\")) refuse("it holds a backslash, a separator on Windows");
  if (name.startsWith("/")) refuse("it is an absolute path");
  if (/^[A-Za-z]:/.test(name)) refuse("it starts with a drive letter");
  const parts = name.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) refuse("it has a `..` part, which could leave the target directory");
  if (parts.length === 0) refuse("it names no file");
  return parts.join("/");
}
