/**
 * The errors podrx raises. Every failure of an operation reaches the caller as one of these
 * classes (through the Observable's error channel, or as a rejection of the await facade);
 * bad arguments are `TypeError` or `RangeError`, thrown before anything is sent.
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
  /** Creates the error; pass the underlying failure as `cause`. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
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
export class NotFound extends APIError {}

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
export class ImageNotFound extends NotFound {}

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
  /** Log lines received before the failure, in order, each as the server sent it. */
  readonly buildLog: readonly string[];

  /** Creates the error from the message and the log so far. */
  constructor(message: string, buildLog: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.buildLog = buildLog;
  }
}
