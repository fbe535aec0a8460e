import { BodyEndNotice } from "./_body_end_notice.ts";

/**
 * The same response, whose body calls `onEnd` once when it is over: read to its end, broken
 * off, cancelled, or aborted by `signal`. A response without a body is over at once.
 *
 * Two ways to read it, each at the speed of the response underneath:
 * - whole (`text()`, `json()`, `arrayBuffer()`, `bytes()`, `blob()`, `formData()`): read by the
 *   runtime's own body reader, which collects a fetch body natively; a JS stream in between
 *   made every small call about 15 % slower.
 * - as a stream (`body`): a byte stream made on first access. A BYOB reader's view is filled
 *   straight from the body underneath, so its big buffers stay big; a default reader gets the
 *   body's own chunks. No chunk is copied twice.
 *
 * The response object itself is returned, with those readers as its own properties: a new
 * Response around the same body cost ~50 µs to make and made `text()` twice as slow (the
 * runtime no longer knew the body as its own), a third of podrx's time per call after the
 * answer.
 *
 * `signal` ends the body with its reason and cancels the response underneath, which closes the
 * connection. fetch's own signal is not enough for that: with another request uploading at the
 * same time, a pending read of a silent body stayed pending after the abort.
 *
 * Only for a response whose body nobody has touched yet.
 */
export function onBodyEnd(response: Response, signal: AbortSignal, onEnd: () => void): Response {
  // Statuses whose body is always empty: nothing to read, so nothing would end it later.
  // (The body itself is not looked at here: touching it made the runtime's own read slower.)
  if (NULL_BODY_STATUSES.has(response.status)) {
    onEnd();
    return response;
  }
  const { prototype, body } = noticingFor(response);
  const noticing = response as NoticingResponse;
  noticing[NOTICE] = new BodyEndNotice(
    () => body.call(response) as ReadableStream<Uint8Array<ArrayBuffer>> | null,
    signal,
    onEnd,
  );
  Object.setPrototypeOf(response, prototype);
  return response;
}

/**
 * Pipes a response's body into `destination` as the runtime gave it: a fetch body piped into
 * a file's `writable` is copied by the runtime itself, which a reader in JavaScript (even one
 * filling 1 MiB buffers) cannot match at ~32 KiB a chunk. For a response of
 * {@linkcode onBodyEnd}, its end is noticed when the pipe settles, and an abort of its signal
 * cancels the body and aborts `destination`, failing with the signal's reason.
 *
 * @returns A promise that resolves once every byte is in `destination` and it is closed;
 * rejects with `null`'s `TypeError` (no body), or the pipe's failure.
 */
export function pipeBody(
  response: Response,
  destination: WritableStream<Uint8Array>,
): Promise<void> {
  if (NOTICE in response) return (response as NoticingResponse)[NOTICE].pipeTo(destination);
  if (!response.body) return Promise.reject(new TypeError("the response has no body"));
  return response.body.pipeTo(destination);
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

const NOTICE = Symbol("bodyEndNotice");

/** A response after {@linkcode onBodyEnd}: its prototype's readers end the body. */
type NoticingResponse = Response & { [NOTICE]: BodyEndNotice };

/** The prototype a noticed response gets, and its class's own `body` getter. */
interface Noticing {
  prototype: object;
  body: () => unknown;
}

// Made on first use for each class of response: fetch's `Response`, or node_response.ts's on
// Node (where merely naming `Response` would load undici).
const noticingByClass = new Map<object, Noticing>();

function noticingFor(response: Response): Noticing {
  const base = Object.getPrototypeOf(response) as object;
  let noticing = noticingByClass.get(base);
  if (!noticing) {
    noticing = {
      prototype: noticingClass(base.constructor as typeof Response).prototype,
      body: bodyGetter(base),
    };
    noticingByClass.set(base, noticing);
  }
  return noticing;
}

/** The class's own `body` getter, found up its prototype chain. */
function bodyGetter(prototype: object): () => unknown {
  for (let at: object | null = prototype; at; at = Object.getPrototypeOf(at)) {
    const getter = Object.getOwnPropertyDescriptor(at, "body")?.get;
    if (getter) return getter;
  }
  throw new TypeError("a response without a body getter");
}

/**
 * The prototype a noticed response gets: its class's readers, each ending the body. Never
 * constructed; `super` still reaches the class's own readers (fetch's read the body natively).
 */
function noticingClass(base: typeof Response) {
  return class NoticingResponse extends base {
    declare [NOTICE]: BodyEndNotice;

    override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
      return this[NOTICE].stream();
    }

    override text(): Promise<string> {
      return this[NOTICE].whole(() => super.text());
    }

    override json(): Promise<unknown> {
      return this[NOTICE].whole(() => super.json());
    }

    override arrayBuffer(): Promise<ArrayBuffer> {
      return this[NOTICE].whole(() => super.arrayBuffer());
    }

    override bytes(): Promise<Uint8Array<ArrayBuffer>> {
      return this[NOTICE].whole(() => super.bytes());
    }

    override blob(): Promise<Blob> {
      return this[NOTICE].whole(() => super.blob());
    }

    override formData(): Promise<FormData> {
      return this[NOTICE].whole(() => super.formData());
    }
  };
}
