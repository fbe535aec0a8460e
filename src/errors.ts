/**
 * The errors podrx raises. Every failure of an operation reaches the caller as one of these
 * classes (through the Observable's error channel, or as a rejection of the await facade);
 * bad arguments are `TypeError` (wrong type, missing value) or `RangeError` (a value outside
 * the allowed set or range), delivered the same way before anything is sent.
 *
 * @module
 */

/**
 * Base class of every error podrx raises for a failed operation: a socket that does not
 * answer, a connection that breaks mid-stream, a response that cannot be parsed.
 *
 * @example Catching any podrx failure
 * ```ts
 * import { PodmanError } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const error = new PodmanError("Cannot connect to Podman at unix:///run/podman/podman.sock");
 * assert.ok(error instanceof Error && error.name === "PodmanError");
 * ```
 */
export class PodmanError extends Error {
  // Pinned, not taken from the constructor: a bundler that renames classes must not rename
  // errors, and isPodmanError() reads it across realms.
  /** The class's name, `"PodmanError"`; each subclass pins its own. */
  override name: string = "PodmanError";

  /** Creates the error; pass the underlying failure as `cause`. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }

  /** Always `true`: marks podrx's errors for {@linkcode isPodmanError} across realms. */
  get isPodmanError(): true {
    return true;
  }
}

/**
 * Why a {@linkcode ConnectionError} happened:
 * - `"unreachable"`: no service to talk to (no socket at the path, a path that is not a
 *   socket, no host, a missing Deno permission, discovery found nothing);
 * - `"refused"`: the place exists but nothing accepts connections on it;
 * - `"broken"`: the service accepted the connection and then closed it: before answering, or
 *   in the middle of a streamed body (a service that died mid-pull or mid-build);
 * - `"closed"`: the client was closed.
 */
export type ConnectionErrorReason = "unreachable" | "refused" | "broken" | "closed";

/**
 * The client could not talk to the Podman service, or stopped being able to: `reason` tells
 * which (see {@linkcode ConnectionErrorReason}), the message names the action and the place,
 * and `cause` holds the underlying failure.
 *
 * @example Telling a service that is down from one that died mid-stream
 * ```ts
 * import { ConnectionError, isPodmanError } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const error = new ConnectionError("Cannot pull image: the connection to Podman broke", {
 *   reason: "broken",
 * });
 * assert.ok(isPodmanError(error) && error.name === "ConnectionError");
 * assert.equal(error.reason, "broken");
 * ```
 */
export class ConnectionError extends PodmanError {
  /** Always `"ConnectionError"`. */
  override name: string = "ConnectionError";
  /** Why the connection failed. */
  readonly reason: ConnectionErrorReason;

  /** Creates the error from its message and reason; pass the underlying failure as `cause`. */
  constructor(message: string, options: ErrorOptions & { reason: ConnectionErrorReason }) {
    super(message, options);
    this.reason = options.reason;
  }
}

/**
 * An operation stayed silent longer than its `timeout` option allows (no answer, no new data);
 * the request was aborted. `timeout` holds the limit in milliseconds.
 *
 * @example
 * ```ts
 * import { PodmanError, TimeoutError } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const error = new TimeoutError("Cannot pull image: no answer from Podman within 500 ms", 500);
 * assert.ok(error instanceof PodmanError && error.timeout === 500);
 * ```
 */
export class TimeoutError extends PodmanError {
  /** Always `"TimeoutError"`. */
  override name: string = "TimeoutError";
  /** The idle limit that passed, in milliseconds. */
  readonly timeout: number;

  /** Creates the error from its message and the limit that passed. */
  constructor(message: string, timeout: number, options?: ErrorOptions) {
    super(message, options);
    this.timeout = timeout;
  }
}

/** What the server said and which request it answered; see {@linkcode APIError}. */
export interface APIErrorDetails {
  /** HTTP status of the response; 200 when the error arrived inside a streamed body. */
  status: number;
  /** HTTP method of the request. */
  method: string;
  /** Request path below the versioned API prefix, e.g. `/libpod/images/x/json`. */
  path: string;
  /** The server's `message` field, or the raw body text when it was not libpod JSON. */
  explanation: string;
  /** The server's `cause` field, when it sent one. */
  serverCause?: string | undefined;
  /** True when the server reported the error inside a 200 stream (pull, push, build, load). */
  inStream?: boolean | undefined;
}

/**
 * The Podman service answered with an error: an HTTP status of 400 or more, or an error
 * object inside a streamed body after a 200.
 *
 * The message names the action and carries the server's message and the status, e.g.
 * `Cannot remove image "x": image is in use by a container (409)`.
 *
 * @example Deciding on the status
 * ```ts
 * import { APIError } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const error = new APIError('Cannot remove image "x"', {
 *   status: 409,
 *   method: "DELETE",
 *   path: "/libpod/images/x",
 *   explanation: "image is in use by a container",
 * });
 * assert.ok(error.isClientError() && error.message.endsWith("(409)"));
 * ```
 */
export class APIError extends PodmanError {
  /** Always `"APIError"`. */
  override name: string = "APIError";
  /** HTTP status; 200 for an error reported inside a stream. */
  readonly status: number;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** Path of the failed request, without the host. */
  readonly path: string;
  /** The server's own message (libpod `message`), or its raw body text. */
  readonly explanation: string;
  /** The server's `cause` field, when present. */
  readonly serverCause: string | undefined;
  /** True when the error came inside a streamed 200 response. */
  readonly inStream: boolean;

  /** Creates the error from the action that failed and what the server said. */
  constructor(action: string, details: APIErrorDetails, options?: ErrorOptions) {
    const status = details.inStream ? "" : ` (${details.status})`;
    super(`${action}: ${details.explanation}${status}`, options);
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.explanation = details.explanation;
    this.serverCause = details.serverCause;
    this.inStream = details.inStream ?? false;
  }

  /** True for a 4xx status. */
  isClientError(): boolean {
    return this.status >= 400 && this.status < 500;
  }

  /** True for a 5xx status, and for errors reported inside a stream. */
  isServerError(): boolean {
    return this.status >= 500 || this.inStream;
  }
}

/**
 * The server answered 404 for something other than an image.
 *
 * @example
 * ```ts
 * import { APIError, NotFound } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const error = new NotFound("Cannot inspect container", {
 *   status: 404, method: "GET", path: "/libpod/containers/x/json", explanation: "no such container",
 * });
 * assert.ok(error instanceof APIError && error.status === 404);
 * ```
 */
export class NotFound extends APIError {
  /** Always `"NotFound"`. */
  override name: string = "NotFound";
}

/**
 * The server answered 404 because the image does not exist locally.
 *
 * @example
 * ```ts
 * import { ImageNotFound, NotFound } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const error = new ImageNotFound('Cannot get image "nope"', {
 *   status: 404, method: "GET", path: "/libpod/images/nope/json", explanation: "image not known",
 * });
 * assert.ok(error instanceof NotFound);
 * ```
 */
export class ImageNotFound extends NotFound {
  /** Always `"ImageNotFound"`. */
  override name: string = "ImageNotFound";
}

/**
 * A build failed. `buildLog` holds every log line the server wrote before the failure, so
 * the failing step's output can be shown.
 *
 * @example
 * ```ts
 * import { BuildError } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const error = new BuildError("Cannot build image: exit status 1", ["STEP 1/2: FROM scratch\n"]);
 * assert.equal(error.buildLog.length, 1);
 * ```
 */
export class BuildError extends PodmanError {
  /** Always `"BuildError"`. */
  override name: string = "BuildError";
  /** Log lines received before the failure, in order, each as the server sent it. */
  readonly buildLog: readonly string[];

  /** Creates the error from the message and the log so far. */
  constructor(message: string, buildLog: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.buildLog = buildLog;
  }
}

// The family's names, for errors made by another copy of podrx (another realm or version).
const FAMILY: ReadonlySet<string> = new Set([
  "PodmanError",
  "ConnectionError",
  "TimeoutError",
  "APIError",
  "NotFound",
  "ImageNotFound",
  "BuildError",
]);

/**
 * Whether a value is one of podrx's errors ({@linkcode PodmanError} or a subclass), also when it
 * comes from another copy of podrx (another realm, or the package loaded twice): there
 * `instanceof` fails, so the guard reads the error's `name` and podrx's mark. A DOMException
 * named `TimeoutError` (`AbortSignal.timeout()`'s reason) is not one.
 *
 * @param error Anything caught.
 * @returns `true` for podrx's errors.
 *
 * @example Separating podrx's failures from a caller's abort
 * ```ts
 * import { APIError, isPodmanError } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const error = new APIError("Cannot get image \"x\"", {
 *   status: 500, method: "GET", path: "/libpod/images/x/json", explanation: "boom",
 * });
 * assert.ok(isPodmanError(error));
 * assert.ok(!isPodmanError(new DOMException("timed out", "TimeoutError")));
 * ```
 */
export function isPodmanError(error: unknown): error is PodmanError {
  if (error instanceof PodmanError) return true;
  if (typeof error !== "object" || error === null) return false;
  const { name, isPodmanError: marked } = error as { name?: unknown; isPodmanError?: unknown };
  return marked === true && typeof name === "string" && FAMILY.has(name);
}
