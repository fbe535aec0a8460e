import { PodmanError } from "../errors.ts";

// The errors closedError() made, so that code which wraps read failures can pass them on.
const made = new WeakSet<Error>();

/**
 * The one error an operation ends with when its client is closed: before it started, while
 * it waited for a connection, or in the middle of its request or body.
 *
 * @param action What the operation does, e.g. `Cannot build image`.
 */
export function closedError(action: string): PodmanError {
  const error = new PodmanError(`${action}: the client was closed`);
  made.add(error);
  return error;
}

/** Whether `error` is one {@linkcode closedError} made (to be passed on unwrapped). */
export function isClosedError(error: unknown): boolean {
  return error instanceof Error && made.has(error);
}
