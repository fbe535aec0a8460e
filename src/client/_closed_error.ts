import { ConnectionError } from "../errors.ts";

/**
 * The one error an operation ends with when its client is closed: before it started, while
 * it waited for a connection or a place in the queue, or in the middle of its request or
 * body. A {@linkcode ConnectionError} with reason `"closed"`.
 *
 * @param action What the operation does, e.g. `Cannot build image`.
 * @param cause What the close interrupted, if anything (an SSH tunnel still opening).
 */
export function closedError(action: string, cause?: unknown): ConnectionError {
  return new ConnectionError(
    `${action}: the client was closed`,
    cause === undefined ? { reason: "closed" } : { reason: "closed", cause },
  );
}

/** Whether `error` is the end of an operation by `close()` (to be passed on unwrapped). */
export function isClosedError(error: unknown): error is ConnectionError {
  return error instanceof ConnectionError && error.reason === "closed";
}
