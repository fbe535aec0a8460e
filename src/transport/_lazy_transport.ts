import type { Transport } from "./transport.ts";

/**
 * A transport whose implementation is loaded on its first request: Node's and Bun's import
 * node:http and node:fs, which would cost every Deno program ~45 ms at start-up (measured:
 * `deno run` of an empty module against one importing node:http) for code it never runs.
 *
 * @param origin The origin the loaded transport will have, known before loading.
 * @param description The same for its description.
 * @param load Loads and makes the transport, once.
 */
export function lazyTransport(
  origin: string,
  description: string,
  load: () => Promise<Transport>,
): Transport {
  let loaded: Promise<Transport> | undefined;
  let closed = false;
  const transport = () =>
    loaded ??= load().then((made) => {
      // Closed while loading: the caller is done with it, so is this one.
      if (closed) made.close();
      return made;
    });
  return {
    origin,
    description,
    fetch: async (url, init) => (await transport()).fetch(url, init),
    close: () => {
      closed = true;
      loaded?.then((made) => made.close(), () => {});
    },
  };
}
