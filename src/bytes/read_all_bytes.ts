import { concatBytes } from "./concat_bytes.ts";

/**
 * A byte stream read to its end, joined into one array. Not `new Response(stream).bytes()`:
 * on Node the first use of WHATWG `Response` loads undici, 45 to 55 ms.
 *
 * @param stream The stream; it is locked and read to its end.
 * @returns Every byte it gave, in order.
 */
export async function readAllBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return concatBytes(chunks);
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
}
