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
 */
export async function sendRequest(
  connection: Connection,
  request: ApiRequest,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const { transport, apiVersion } = connection;
  const path = `/v${apiVersion}/libpod${request.path}`;
  const search = request.query ? toSearchParams(request.query).toString() : "";
  const url = `${transport.origin}${path}${search ? `?${search}` : ""}`;
  const init: RequestInit & { duplex?: "half" } = {
    method: request.method ?? "GET",
    headers: request.headers ?? {},
    body: request.body ?? null,
    signal: signal ?? null,
  };
  if (request.body instanceof ReadableStream) init.duplex = "half";
  let response: Response;
  try {
    response = await transport.fetch(url, init);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw connectionError(request.action, transport.description, error, request.secrets);
  }
  if (response.status >= 400) throw await errorFromResponse(request, response, path);
  return response;
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
