/**
 * Every runtime's account of a failure to connect to a Unix socket, from a look at the path.
 *
 * @module
 */
import { isNotFound } from "../runtime/file_errors.ts";
import { files } from "../runtime/runtime.ts";
import { connectionFailureReason, isPermissionError } from "./_connection_failure.ts";

/**
 * The error to reject with when a request over the socket at `path` failed with `error`.
 *
 * "Connection refused" says little when the path is missing or is a plain file; look at it.
 * Only a failure to connect is explained so: a connection that broke after the server accepted
 * it keeps its own reason (the socket is there, and someone did answer), and so does a refused
 * permission (the socket is there, and the user may not use it).
 */
export async function explainSocketFailure(path: string, error: unknown): Promise<unknown> {
  if (isPermissionError(error) || connectionFailureReason(error) === "broken") return error;
  let what: string | undefined;
  try {
    const info = await files.lstat(path);
    what = info.isSocket
      ? "the socket exists but nothing accepts connections on it (is the service running?)"
      : "the path exists but is not a socket";
  } catch (statError) {
    if (isNotFound(statError)) what = "no socket at this path";
  }
  return what ? new TypeError(what, { cause: error }) : error;
}
