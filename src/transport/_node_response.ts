/**
 * The response for node:http's `IncomingMessage`, its body streamed as it arrives.
 *
 * @module
 */
import type { IncomingMessage } from "node:http";
import { NodeResponse, NodeResponseHeaders } from "./node_response.ts";

// Statuses whose `Response` may not have a body (the constructor throws).
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

// How many bytes the body stream queues before the socket is paused. A few of Node's reads:
// enough to keep the socket busy while the reader works, small enough to bound memory.
const QUEUED_BYTES = 256 * 1024;

/** What ends a response body early, besides the reader's `cancel()`. */
export interface BodyEnd {
  /** Registers what to do when the body must fail (an abort): error the stream with it. */
  onFail(fail: (reason: unknown) => void): void;
  /** Called once the body is over, however: read to its end, failed, or cancelled. */
  done(): void;
  /** Called when the reader cancels: the connection must go, its rest is unread. */
  cancel(): void;
}

/**
 * The response for `message`.
 *
 * @param message The response node:http gave.
 * @param isHead Whether the request was `HEAD` (no body follows, whatever the headers say).
 * @param end How the body's end is told to the transport, and an abort to the body.
 */
export function responseOf(message: IncomingMessage, isHead: boolean, end: BodyEnd): Response {
  const headers = new NodeResponseHeaders(message.rawHeaders);
  const status = message.statusCode ?? 200;
  const statusText = message.statusMessage ?? "";
  let body: ReadableStream<Uint8Array<ArrayBuffer>> | null = null;
  if (isHead || NULL_BODY_STATUSES.has(status)) {
    message.resume();
    message.once("end", () => end.done());
  } else {
    body = bodyOf(message, end);
  }
  // What podrx reads of a Response, without undici's (see node_response.ts).
  return new NodeResponse(status, statusText, headers, body) as unknown as Response;
}

/**
 * A byte stream like fetch's: the reader owns every chunk (a copy; Node's may share memory
 * with the next one), which podrx relies on to give chunks back early (`hasOwnChunks`). Pull-
 * based: the message is paused whenever the queue is full and resumed when the reader asks.
 */
function bodyOf(message: IncomingMessage, end: BodyEnd): ReadableStream<Uint8Array<ArrayBuffer>> {
  let over = false;
  const finish = () => {
    if (over) return false;
    over = true;
    message.removeAllListeners("data");
    end.done();
    return true;
  };
  return new ReadableStream({
    type: "bytes",
    start(controller) {
      message.pause();
      message.on("data", (chunk: Uint8Array) => {
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) message.pause();
      });
      message.once("end", () => {
        if (finish()) {
          controller.close();
          // A BYOB reader waiting on a read that the end left empty gets `done` from this.
          controller.byobRequest?.respond(0);
        }
      });
      const broken = (cause?: unknown) => {
        if (finish()) {
          controller.error(
            new TypeError("the connection closed before the response body ended", { cause }),
          );
        }
      };
      // Node reports a body cut short as an "aborted" error (ECONNRESET), or only by a close
      // without an end; either way the rest is not coming.
      message.on("error", broken);
      message.once("close", () => broken(message.errored ?? undefined));
      end.onFail((reason) => {
        if (finish()) controller.error(reason);
      });
    },
    pull() {
      message.resume();
    },
    cancel() {
      if (finish()) end.cancel();
    },
  }, { highWaterMark: QUEUED_BYTES });
}
