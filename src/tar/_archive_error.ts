/**
 * The errors of reading an archive: PodmanErrors whose message starts with the caller's action
 * and says what is wrong with the archive.
 *
 * @module
 */

import { PodmanError } from "../errors.ts";

/** `problem`, after the action. */
export function archiveError(action: string, problem: string, cause?: unknown): PodmanError {
  return new PodmanError(`${action}: ${problem}`, cause === undefined ? {} : { cause });
}

/** The archive stops before its end; `where` says where. */
export function truncatedArchive(action: string, where: string): PodmanError {
  return archiveError(action, `the archive is truncated: it ends ${where}`);
}

/** The archive says something no reader can take. */
export function corruptArchive(action: string, problem: string): PodmanError {
  return archiveError(action, `the archive is corrupt: ${problem}`);
}
