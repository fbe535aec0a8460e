import type { ApiRequest } from "./api_request.ts";
import { connectionError, errorFromResponse } from "./api_request.ts";
import type { Connection } from "./_connector.ts";
import type { Slot } from "./_request_slots.ts";
import { onBodyEnd } from "../streams/_on_body_end.ts";
import { toSearchParams } from "./query.ts";

/**
 * Sends one request over a connection: the versioned libpod path, the query, and the body
 * (a stream is sent as it is read). A failure to reach the service becomes a connection
 * error naming the action; a status of 400 or more the matching `APIError`.
 *
 * Not an async function, and the fetch is the last thing it does: Deno's HTTP client runs on
 * the main thread, so whatever JavaScript runs between the call to fetch and the next turn of
 * the event loop delays the request itself. The init names only what is set (a GET with no
 * headers and no body is `{ signal }`), which is less for fetch to read.
 */
export function sendRequest(
  connection: Connection,
  request: ApiRequest,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const { transport, apiVersion } = connection;
  const path = `/v${apiVersion}/libpod${request.path}`;
  let url: string;
  try {
    url = requestUrl(transport.origin, path, request.query);
  } catch (error) {
    // A query that cannot be sent: the caller's mistake, as it is.
    return Promise.reject(error);
  }
  let answer: Promise<Response>;
  try {
    answer = transport.fetch(url, requestInit(request, signal));
  } catch (error) {
    // A transport that threw instead of rejecting.
    answer = Promise.reject(error);
  }
  return answer.then(
    (response) =>
      response.status < 400 ? response : errorFromResponse(request, response, path).then(fail),
    (error: unknown) => {
      throw signal?.aborted
        ? error
        : connectionError(request.action, transport.description, error, request.secrets);
    },
  );
}

function requestUrl(origin: string, path: string, query: ApiRequest["query"]): string {
  const search = query ? toSearchParams(query).toString() : "";
  return `${origin}${path}${search ? `?${search}` : ""}`;
}

/** The init of `request`'s fetch, naming only what is set. */
function requestInit(
  request: ApiRequest,
  signal: AbortSignal | undefined,
): RequestInit & { duplex?: "half" } {
  const init: RequestInit & { duplex?: "half" } = { signal: signal ?? null };
  if (request.method !== undefined && request.method !== "GET") init.method = request.method;
  if (request.headers !== undefined) init.headers = request.headers;
  if (request.body !== undefined && request.body !== null) {
    init.body = request.body;
    // A stream is sent as it is read.
    if (request.body instanceof ReadableStream) init.duplex = "half";
  }
  return init;
}

function fail(error: Error): never {
  throw error;
}

/** Sends `request` in the place `slot`, which is given back when the body is over. */
export function sendInSlot(
  connection: Connection,
  request: ApiRequest,
  slot: Slot,
): Promise<Response> {
  return sendRequest(connection, request, slot.signal).then(
    (response) => onBodyEnd(response, slot.signal, slot.release),
    (error: unknown) => {
      slot.release();
      throw error;
    },
  );
}

/**
 * Sends `request` in the place `slot` and reads its body whole, natively: no end-of-body
 * notice on the response (its prototype swap and reader cost a short call more than the rest
 * of its client-side work). An abort ends the read through fetch, which has the slot's signal,
 * and fails it with the signal's reason, as a noticed response's whole read does.
 */
export async function sendInSlotAsText(
  connection: Connection,
  request: ApiRequest,
  slot: Slot,
): Promise<string> {
  let response: Response;
  try {
    response = await sendRequest(connection, request, slot.signal);
  } catch (error) {
    slot.release();
    throw error;
  }
  try {
    return await response.text();
  } catch (error) {
    throw slot.signal.aborted ? slot.signal.reason : error;
  } finally {
    slot.release();
  }
}
