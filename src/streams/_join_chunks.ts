import type { ResultCollector } from "../async/operation.ts";
import { concatBytes } from "../bytes/concat_bytes.ts";

/**
 * Collects a byte stream's chunks and gives them joined into one array: what the await twins
 * of byte streams give.
 */
export function joinedChunks(): ResultCollector<Uint8Array, Uint8Array> {
  const chunks: Uint8Array[] = [];
  return { add: (chunk) => chunks.push(chunk), result: () => concatBytes(chunks) };
}
