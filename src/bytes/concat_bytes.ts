/**
 * Byte chunks joined into one array: what a byte stream read whole gives. Below every layer
 * that reads bodies (the runtime's child output, Node's responses, the await twins of byte
 * streams), so each of them uses this one.
 *
 * @param chunks The chunks, in order.
 * @returns A new array holding them all (a copy even of a single chunk).
 */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const whole = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}
