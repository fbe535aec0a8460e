import type { ApiRequest } from "./api_request.ts";
import type { Connection, Connector } from "./_connector.ts";
import type { RequestSlots, Slot } from "./_request_slots.ts";
import { sendInSlot, sendInSlotAsText, sendRequest } from "./_send_request.ts";

/**
 * Adds the user's registry credentials to a request that wants them (see
 * `ApiRequest.credentials`); the client calls it before the request takes a connection.
 */
export type AddCredentials = (request: ApiRequest, signal?: AbortSignal) => Promise<ApiRequest>;

// What send() and sendForText() make of a response, made once rather than per call.
const asIs = (response: Response): Response => response;
const bodyText = (response: Response): Promise<string> => response.text();

/**
 * The way every request of a client goes: its credentials added when it wants some, a
 * connection, a place among the client's `maxConnections`, then the request. When none of
 * that has to be waited for (the per-call path), the request is sent at once: each await there
 * is a promise hop a short call pays for.
 */
export class RequestPath {
  readonly #connector: Connector;
  readonly #slots: RequestSlots;
  readonly #addCredentials: AddCredentials | undefined;

  constructor(connector: Connector, slots: RequestSlots, addCredentials?: AddCredentials) {
    this.#connector = connector;
    this.#slots = slots;
    this.#addCredentials = addCredentials;
  }

  /** Sends `request`; the response keeps its place until its body is over. */
  send(request: ApiRequest, signal?: AbortSignal): Promise<Response> {
    return this.#sendAs(request, signal, sendInSlot, asIs);
  }

  /** Sends `request` and reads its body whole, which gives its place back once read. */
  sendForText(request: ApiRequest, signal?: AbortSignal): Promise<string> {
    return this.#sendAs(request, signal, sendInSlotAsText, bodyText);
  }

  /**
   * Sends `request` at once with `inSlot` when nothing is to be waited for, else once it is
   * ready, giving what `fromResponse` makes of the response.
   */
  #sendAs<T>(
    request: ApiRequest,
    signal: AbortSignal | undefined,
    inSlot: (connection: Connection, request: ApiRequest, slot: Slot) => Promise<T>,
    fromResponse: (response: Response) => T | Promise<T>,
  ): Promise<T> {
    try {
      const ready = this.#ready(request, signal);
      if (ready) return inSlot(ready.connection, request, ready.slot);
    } catch (error) {
      // A request that is not an object: a rejection, as from the path below.
      return Promise.reject(error);
    }
    return this.#sendWhenReady(request, signal).then(fromResponse);
  }

  /** The connection and a place for `request` when neither has to be waited for. */
  #ready(
    request: ApiRequest,
    signal: AbortSignal | undefined,
  ): { connection: Connection; slot: Slot } | undefined {
    if (request.credentials !== undefined || request.cleanup) return undefined;
    const connection = this.#connector.connected();
    const slot = connection && this.#slots.tryAcquire(request.action, signal);
    return connection && slot ? { connection, slot } : undefined;
  }

  /** Sends `request` once what it waits for is there. */
  async #sendWhenReady(request: ApiRequest, signal?: AbortSignal): Promise<Response> {
    // Before a slot is taken: a credential helper may take a while.
    if (request.credentials !== undefined && this.#addCredentials) {
      request = await this.#addCredentials(request, signal);
    }
    const connection = await this.#connector.connect(request.action, signal);
    if (request.cleanup) {
      // Sent even while close() waits for the operation it cleans up after.
      return await sendRequest(connection, request, signal);
    }
    return sendInSlot(connection, request, await this.#slots.acquire(request.action, signal));
  }
}
