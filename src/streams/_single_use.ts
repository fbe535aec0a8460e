import { PodmanError } from "../errors.ts";

// Streams a caller handed to an operation: a stream can feed one request only, whichever
// operation or subscription got it first.
const claimed = new WeakSet<ReadableStream<Uint8Array>>();

/**
 * Checks, when the operation is made, that a caller's stream is not being read elsewhere.
 *
 * @throws {TypeError} When the stream is locked.
 */
export function requireUnlocked(
  stream: ReadableStream<Uint8Array>,
  what: string,
  action: string,
): void {
  // A stream podrx itself claimed is locked by its own reader: useStreamOnce() says "already
  // used" for it, which is the useful message.
  if (stream.locked && !claimed.has(stream)) {
    throw new TypeError(`${action}: the ${what} stream is locked; it is being read elsewhere`);
  }
}

/**
 * Claims a caller's stream for the request of one subscription. A second claim (a second
 * subscription, or another operation) fails clearly instead of waiting on a spent stream.
 *
 * @throws {PodmanError} When the stream was claimed before or is locked.
 */
export function useStreamOnce<T extends ReadableStream<Uint8Array>>(
  stream: T,
  what: string,
  action: string,
): T {
  if (claimed.has(stream) || stream.locked) {
    throw new PodmanError(
      `${action}: the ${what} stream was already used; a ReadableStream feeds one ` +
        "subscription only, so give a path, bytes or a Blob to subscribe again",
    );
  }
  claimed.add(stream);
  return stream;
}
