import { APIError, ConnectionError, ImageNotFound, NotFound, PodmanError } from "../errors.ts";
import { connectionFailureReason } from "../transport/_connection_failure.ts";
import { explainBody } from "../http/explain_body.ts";
import { networkReason } from "../http/network_reason.ts";
import { redact } from "../http/redact.ts";
import type { Query } from "./query.ts";

/** A request to the libpod API, as {@linkcode PodmanClient.request} takes it. */
export interface ApiRequest {
  /**
   * HTTP method.
   * @default {"GET"}
   */
  method?: "GET" | "POST" | "PUT" | "DELETE" | "HEAD";
  /** Path below the versioned libpod prefix, e.g. `/images/json`. */
  path: string;
  /** Query parameters; `undefined` values are left out. */
  query?: Query;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Request body; a stream is sent as it is read. */
  body?: RequestInit["body"];
  /**
   * What the request does, for error messages: `Cannot remove image "x"`.
   * The server's message and the status follow it.
   */
  action: string;
  /**
   * Which error class a 404 becomes.
   * @default {"resource"}
   */
  notFound?: "image" | "resource";
  /** Strings (passwords, auth headers) to redact from any error message. */
  secrets?: readonly string[];
  /**
   * The registry credentials this request may carry, when it has no `X-Registry-Auth` of its
   * own: those for one image's registry (`reference`), or for every registry a build may pull
   * from (`everyRegistry`). The client adds what the user has (its `credentials` option).
   * @default {undefined} none
   */
  credentials?: CredentialsWanted;
  /**
   * A request that takes back what an operation cut short left behind (a half-made
   * artifact): it does not wait for a free connection slot, and it is still sent while
   * `close()` waits for that operation (see `Requester.keepOpenUntil`).
   * @default {false}
   */
  cleanup?: boolean;
}

/** See {@linkcode ApiRequest.credentials}. */
export type CredentialsWanted =
  | { readonly reference: string }
  | { readonly everyRegistry: true };

// Error bodies are small; a proxy's HTML page or a runaway body must not fill memory.
const ERROR_BODY_LIMIT = 64 * 1024;

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (text.length < ERROR_BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.slice(0, ERROR_BODY_LIMIT);
}

/** Turns a non-2xx response into the matching {@linkcode APIError} subclass. */
export async function errorFromResponse(
  request: ApiRequest,
  response: Response,
  path: string,
): Promise<APIError> {
  const { explanation, serverCause } = explainBody(await readBounded(response));
  const details = {
    status: response.status,
    method: request.method ?? "GET",
    path,
    explanation: redact(explanation || response.statusText || "no message", request.secrets),
    serverCause: serverCause === undefined ? undefined : redact(serverCause, request.secrets),
  };
  if (response.status === 404) {
    return request.notFound === "image"
      ? new ImageNotFound(request.action, details)
      : new NotFound(request.action, details);
  }
  return new APIError(request.action, details);
}

/**
 * Wraps a failure to send a request (missing socket, refused, a connection the server closed
 * before answering) in a {@linkcode ConnectionError} naming the action and the place; its
 * `reason` and message tell a service that is not there from one that broke the connection.
 */
export function connectionError(
  action: string,
  where: string,
  cause: unknown,
  secrets?: readonly string[],
): PodmanError {
  if (cause instanceof PodmanError) return cause;
  const reason = connectionFailureReason(cause);
  const detail = redact(networkReason(cause), secrets);
  const message = reason === "broken"
    ? `${action}: the connection to Podman at ${where} broke before it answered: ${detail}`
    : `${action}: cannot reach Podman at ${where}: ${detail}`;
  return new ConnectionError(message, { reason, cause });
}

/**
 * The {@linkcode ConnectionError} for a connection that broke while a body was being read (the
 * service died mid-pull, mid-build or mid-download): the same class and reason whichever
 * operation it hit.
 */
export function brokenConnectionError(
  action: string,
  cause: unknown,
  secrets?: readonly string[],
): ConnectionError {
  return new ConnectionError(
    `${action}: the connection to Podman broke: ${redact(networkReason(cause), secrets)}`,
    { reason: "broken", cause },
  );
}
