import type { ConnectionErrorReason } from "../errors.ts";

// fetch wraps every network failure in a TypeError with one of these messages; the OS error
// (and the stage it failed in) is in its `cause` chain. A transport of the caller's may say
// only what happened to the connection ("connection reset").
const FETCH_FAILURE = /^(fetch failed|error sending request|error reading a body)|connection/i;

/** The messages of an error and of its `cause` chain, outermost first. */
function messages(error: unknown): string[] {
  const found: string[] = [];
  let current: unknown = error;
  // Bounded: a cause chain can be a cycle.
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    found.push(current.message);
    current = current.cause;
  }
  return found;
}

/** Whether a failure is a missing Deno permission (or the OS refusing access): not the network's. */
export function isPermissionError(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied;
}

/** Whether a failure is the network's (fetch could not send, or a body broke off). */
export function isConnectionFailure(error: unknown): boolean {
  if (
    error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted || error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.UnexpectedEof || error instanceof Deno.errors.NotConnected
  ) return true;
  return error instanceof TypeError && FETCH_FAILURE.test(error.message);
}

/**
 * Which kind of connection failure an error is: a failure while connecting is `"refused"`
 * when something is there but does not accept (ECONNREFUSED) and `"unreachable"` otherwise (no
 * socket file, not a socket, no such host, no permission); a failure after the connection was
 * made (the request was sent, or a body was being read) is `"broken"`.
 */
export function connectionFailureReason(error: unknown): ConnectionErrorReason {
  if (isPermissionError(error)) return "unreachable";
  const chain = messages(error);
  const refused = chain.some((message) => /Connection refused|os error 111\b/.test(message));
  if (refused || error instanceof Deno.errors.ConnectionRefused) return "refused";
  if (chain.some((message) => message.includes("client error (Connect)"))) return "unreachable";
  if (error instanceof Deno.errors.NotFound) return "unreachable";
  return "broken";
}
