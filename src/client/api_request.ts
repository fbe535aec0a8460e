import { APIError, ConnectionError, ImageNotFound, NotFound, PodmanError } from "../errors.ts";
import { connectionFailureReason } from "../transport/_connection_failure.ts";
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
  body?: BodyInit | null;
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

const REDACTED = "[redacted]";

/** Replaces every secret in a text with a fixed marker. */
export function redact(text: string, secrets: readonly string[] | undefined): string {
  if (!secrets) return text;
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join(REDACTED);
  }
  return result;
}

/**
 * A parsed JSON value with every secret redacted from every string in it (keys included);
 * the value itself when there are no secrets, so streams without credentials cost nothing.
 */
export function redactJson(value: unknown, secrets: readonly string[] | undefined): unknown {
  if (!secrets || secrets.length === 0) return value;
  if (typeof value === "string") return redact(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactJson(item, secrets));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [redact(key, secrets), redactJson(item, secrets)]),
  );
}

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

/** What a libpod error body says, or the body's text when it is not libpod JSON. */
export function explainBody(text: string): { explanation: string; serverCause?: string } {
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === "object") {
      const { message, cause } = body as Record<string, unknown>;
      if (typeof message === "string" && message !== "") {
        return typeof cause === "string" && cause !== ""
          ? { explanation: message, serverCause: cause }
          : { explanation: message };
      }
    }
  } catch {
    // Not JSON: a plain-text or HTML error page; its text is the explanation.
  }
  return { explanation: text.trim().replace(/\s+/g, " ").slice(0, 500) };
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

/**
 * The useful part of a fetch failure: Deno wraps the OS error ("No such file or directory",
 * "Connection refused", "Connection reset by peer") in a generic "fetch failed" TypeError.
 */
export function networkReason(error: unknown): string {
  let innermost: unknown = error;
  // Only fetch's generic wrappers are peeled off; a specific reason (the transport's) stays.
  while (
    innermost instanceof Error && innermost.cause !== undefined &&
    /^(fetch failed|error sending request|error reading a body)/.test(innermost.message)
  ) innermost = innermost.cause;
  const message = innermost instanceof Error ? innermost.message : String(innermost);
  const tail = message.slice(message.lastIndexOf("): ") + 1).replace(/^[):\s]+/, "");
  return tail.replace(/^client error \(\w+\):\s*/, "") || message;
}
