import type { ConnectionErrorReason } from "../errors.ts";
import { isNotCapable, isPermissionDenied } from "../runtime/file_errors.ts";

// fetch wraps every network failure in a TypeError with one of these messages; the OS error
// (and the stage it failed in) is in its `cause` chain. A transport of the caller's may say
// only what happened to the connection ("connection reset"). Node's fetch says "terminated"
// when a body breaks off.
const FETCH_FAILURE =
  /^(fetch failed|error sending request|error reading a body|terminated$)|connection/i;

// Node and Bun name the OS error in a `code` (Bun's fetch on the TypeError itself, Node's on
// its cause); Deno has classes instead, read below only when running on Deno.
const PERMISSION_CODES = new Set(["EACCES", "EPERM"]);
const REFUSED_CODES = new Set(["ECONNREFUSED"]);
const UNREACHABLE_CODES = new Set([
  "ENOENT",
  "ENOTSOCK",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "FailedToOpenSocket",
]);
const BROKEN_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNABORTED",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

// Read once: `Deno` is not defined on Node and Bun, and this module must load there too.
const DENO_ERRORS = (globalThis as { Deno?: typeof Deno }).Deno?.errors;

/** The errors of a `cause` chain, outermost first. */
function chainOf(error: unknown): Error[] {
  const found: Error[] = [];
  let current: unknown = error;
  // Bounded: a cause chain can be a cycle.
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    found.push(current);
    current = current.cause;
  }
  return found;
}

/** The Node-style `code`s (`ECONNREFUSED`, ...) in an error's `cause` chain. */
function codesOf(error: unknown): string[] {
  return chainOf(error).flatMap((link) => {
    const code = (link as { code?: unknown }).code;
    return typeof code === "string" ? [code] : [];
  });
}

/**
 * The codes of a fetch failure: fetch (Node's, Bun's, the Node transport's) wraps it in a
 * TypeError. A file's or a process's error (`ENOENT`, `EPIPE` from node:fs) is no network's.
 */
function fetchCodesOf(error: unknown): string[] {
  return error instanceof TypeError ? codesOf(error) : [];
}

/** Whether a failure is a missing Deno permission (or the OS refusing access): not the network's. */
export function isPermissionError(error: unknown): boolean {
  if (isNotCapable(error) || isPermissionDenied(error)) return true;
  // Also deeper in the chain: Node's fetch puts the OS error in its cause.
  return codesOf(error).some((code) => PERMISSION_CODES.has(code));
}

/** Whether a failure is the network's (fetch could not send, or a body broke off). */
export function isConnectionFailure(error: unknown): boolean {
  if (
    DENO_ERRORS && (
      error instanceof DENO_ERRORS.ConnectionRefused ||
      error instanceof DENO_ERRORS.ConnectionReset ||
      error instanceof DENO_ERRORS.ConnectionAborted || error instanceof DENO_ERRORS.BrokenPipe ||
      error instanceof DENO_ERRORS.UnexpectedEof || error instanceof DENO_ERRORS.NotConnected
    )
  ) return true;
  if (error instanceof TypeError && FETCH_FAILURE.test(error.message)) return true;
  return fetchCodesOf(error).some((code) => REFUSED_CODES.has(code) || BROKEN_CODES.has(code));
}

/**
 * Which kind of connection failure an error is: a failure while connecting is `"refused"`
 * when something is there but does not accept (ECONNREFUSED) and `"unreachable"` otherwise (no
 * socket file, not a socket, no such host, no permission); a failure after the connection was
 * made (the request was sent, or a body was being read) is `"broken"`.
 */
export function connectionFailureReason(error: unknown): ConnectionErrorReason {
  if (isPermissionError(error)) return "unreachable";
  const codes = fetchCodesOf(error);
  const messages = chainOf(error).map((link) => link.message);
  const refused = messages.some((message) => /Connection refused|os error 111\b/.test(message));
  if (refused || codes.some((code) => REFUSED_CODES.has(code))) return "refused";
  if (DENO_ERRORS && error instanceof DENO_ERRORS.ConnectionRefused) return "refused";
  if (messages.some((message) => message.includes("client error (Connect)"))) return "unreachable";
  if (codes.some((code) => UNREACHABLE_CODES.has(code))) return "unreachable";
  if (DENO_ERRORS && error instanceof DENO_ERRORS.NotFound) return "unreachable";
  return "broken";
}
