import { delay } from "../async/delay.ts";
import { NotFound } from "../errors.ts";
import { notJsonError } from "../streams/_not_json.ts";
import type { Operation } from "../async/operation.ts";
import type { ApiRequest } from "./api_request.ts";
import { operation, type OperationContext, type OperationOptions } from "./operation.ts";
import type { Requester } from "./requester.ts";

/** When a read answered whole tries again: a failure that a second request can clear. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  tries: number;
  /** Milliseconds before the first retry; doubled before each next one. */
  backoffMs: number;
  /** The longest wait between two tries, in milliseconds; the doubling stops there. */
  maxBackoffMs: number;
  /** Whether this failure is worth another try; any other fails the read at once. */
  retries(error: unknown): boolean;
}

/**
 * A cold Observable of one request whose answer is read whole: it emits `map(body)` once and
 * completes. `body` is the parsed JSON, or `undefined` for an empty body (201, 204). With
 * `ifNotFound`, a 404 emits that value instead of failing (`exists`: `false`).
 *
 * With `retry`, a failure the policy names sends the request again after a backoff, within
 * the same subscription: unsubscribing and the caller's signal end the wait as they end a
 * request. The idle timeout does not count the backoff (the silence is podrx's own), and
 * starts again with each try. (Written here rather than as RxJS's `retry` around the Observable:
 * that operator cost every read about 20 µs in a new process, where no retry happens.)
 *
 * See {@linkcode requestJsonOnSubscribe} for a request that is worded and built on subscribe.
 */
export function requestJson<T>(
  requester: Requester,
  request: ApiRequest,
  options: OperationOptions | undefined,
  map: (body: unknown) => T,
  retry?: RetryPolicy,
  ifNotFound?: T,
): Operation<T> {
  return requestJsonOnSubscribe(
    requester,
    request.action,
    () => request,
    options,
    map,
    retry,
    ifNotFound,
  );
}

/**
 * {@linkcode requestJson} of a request made on subscribe: `action` (words, or a function that
 * words them from a model) is worded then, and `request(action)` builds the request, checking
 * its arguments; what it throws is the subscriber's error, as it is. One Observable, not a
 * `defer` around another: the per-call path of `get`, `exists` and `history`, where each
 * layer of subscription is time a short call pays.
 */
export function requestJsonOnSubscribe<T>(
  requester: Requester,
  action: string | (() => string),
  request: (action: string) => ApiRequest,
  options: OperationOptions | undefined,
  map: (body: unknown) => T,
  retry?: RetryPolicy,
  ifNotFound?: T,
): Operation<T> {
  return operation<T>(action, options, (context) => {
    // Before the promise: a request that cannot be built fails the subscriber as it is.
    const built = request(context.action);
    return readWholeTries(requester, built, map, retry, ifNotFound, context);
  });
}

async function readWholeTries<T>(
  requester: Requester,
  request: ApiRequest,
  map: (body: unknown) => T,
  retry: RetryPolicy | undefined,
  ifNotFound: T | undefined,
  { emit, signal, alive, pauseTimeout }: OperationContext<T>,
): Promise<void> {
  for (let tried = 1;; tried++) {
    let body: unknown;
    try {
      const text = requester.requestText
        ? await requester.requestText(request, signal)
        : await (await requester.request(request, signal)).text();
      body = parseJsonBody(text, request.action);
    } catch (error) {
      if (ifNotFound !== undefined && error instanceof NotFound) {
        emit(ifNotFound);
        return;
      }
      if (!retry || tried >= retry.tries || signal.aborted || !retry.retries(error)) throw error;
      pauseTimeout();
      await delay(Math.min(retry.backoffMs * 2 ** (tried - 1), retry.maxBackoffMs), signal);
      alive();
      continue;
    }
    emit(map(body));
    return;
  }
}

/** Encodes an image name or id for a path segment (`/` and `:` included). */
export function pathSegment(name: string): string {
  return encodeURIComponent(name);
}

/**
 * The JSON of an answer read whole, `undefined` for an empty one (201 and 204); an answer that
 * is not JSON fails naming the action.
 */
export function parseJsonBody(text: string, action: string): unknown {
  // 201 and 204 answers carry no body, or a lone newline.
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw notJsonError(`${action}: the server's answer is not JSON`, text, error);
  }
}
