import type { ResultCollector } from "../async/operation.ts";
/** The chunks of a stream read whole, as one array: what the await twins of byte streams give. */
function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}

/** Collects a byte stream's chunks and gives them joined, as {@linkcode joinChunks} does. */
export function joinedChunks(): ResultCollector<Uint8Array, Uint8Array> {
  const chunks: Uint8Array[] = [];
  return { add: (chunk) => chunks.push(chunk), result: () => joinChunks(chunks) };
}
