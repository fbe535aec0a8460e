import type { Observable } from "rxjs";
import { APIError } from "../errors.ts";
import { forEachJsonLine } from "../streams/json_lines.ts";
import type { ApiRequest } from "./api_request.ts";
import { redact, redactJson } from "../http/redact.ts";
import { operation, type OperationContext, type OperationOptions } from "./operation.ts";
import type { Requester } from "./requester.ts";

/**
 * The error message an object of a Podman stream carries, if any: `error` (libpod and
 * Docker-style lines) or `errorDetail.message`. Empty strings are not errors (the libpod pull
 * report always has an `error` field).
 */
export function inBandError(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { error, errorDetail } = value as { error?: unknown; errorDetail?: { message?: unknown } };
  if (typeof error === "string" && error !== "") return error;
  if (typeof errorDetail?.message === "string" && errorDetail.message !== "") {
    return errorDetail.message;
  }
  return undefined;
}

/** The {@linkcode APIError} for an error reported inside a 200 stream. */
export function streamError(request: ApiRequest, path: string, message: string): APIError {
  return new APIError(request.action, {
    status: 200,
    method: request.method ?? "GET",
    path,
    explanation: redact(message, request.secrets),
    inStream: true,
  });
}

/** What a streaming operation does with each JSON object of the body, and at the end. */
export interface JsonStreamHandler<T> {
  /** Called per object, in order, as it arrives; in-band errors are raised before this. */
  onValue(value: unknown, context: OperationContext<T>): void;
  /** Called once the body ended without an in-band error. */
  onEnd(context: OperationContext<T>): Promise<void> | void;
}

/**
 * A cold Observable over one request whose body is a stream of JSON lines (pull, push, build,
 * load): each object is handed to `handler` as soon as it arrives, with the request's `secrets`
 * redacted from every string in it (a server may echo credentials in a status line); an
 * `error` or `errorDetail` inside the stream errors the Observable with an
 * {@linkcode APIError} carrying the server's message. `makeRequest` runs at subscribe time, once per subscription, and so does the handler
 * factory when one is given.
 */
export function jsonStream<T>(
  requester: Requester,
  action: string,
  options: OperationOptions | undefined,
  makeRequest: (signal: AbortSignal) => ApiRequest | Promise<ApiRequest>,
  handlerOrFactory: JsonStreamHandler<T> | (() => JsonStreamHandler<T>),
): Observable<T> {
  return operation<T>(action, options, async (context) => {
    // A factory gives each subscription its own state (the Observable is cold).
    const handler = typeof handlerOrFactory === "function" ? handlerOrFactory() : handlerOrFactory;
    const request = await makeRequest(context.signal);
    const response = await requester.request(request, context.signal);
    context.alive();
    const path = new URL(response.url || "http://x/").pathname;
    await forEachJsonLine(response.body, action, context.alive, (raw) => {
      const value = redactJson(raw, request.secrets);
      const message = inBandError(value);
      if (message !== undefined) throw streamError(request, path, message);
      handler.onValue(value, context);
    });
    await handler.onEnd(context);
  });
}
