/**
 * The bytes as a view over a plain `ArrayBuffer`, which web APIs (Blob, fetch) require: the
 * view itself when it already is one, else a copy (of a view over shared memory).
 */
export function arrayBufferBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes) as Uint8Array<ArrayBuffer>;
}
