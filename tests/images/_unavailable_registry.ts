/**
 * A registry that is never there, for tests of the server's retries: it takes every connection
 * and drops it.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * A registry that takes every connection and closes it at once, counting them: a failure
 * Podman retries (an EOF; 5.4 does not retry a 503), seen again on each try.
 */
export function unavailableRegistry(): { host: string; requests: () => number } & AsyncDisposable {
  let count = 0;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    for await (const connection of listener) {
      count++;
      connection.close();
    }
  })();
  return {
    host: `127.0.0.1:${listener.addr.port}`,
    requests: () => count,
    [Symbol.asyncDispose]: async () => {
      listener.close();
      await accepting.catch(() => {});
    },
  };
}

/**
 * Runs `attempt` against a fresh unavailable registry: it must fail. Returns the connections
 * the registry saw, and the milliseconds it took.
 */
export async function triesUntilFailure(
  attempt: (host: string) => Promise<unknown>,
): Promise<{ connections: number; ms: number }> {
  await using registry = unavailableRegistry();
  const started = performance.now();
  await assert.rejects(attempt(registry.host));
  return { connections: registry.requests(), ms: performance.now() - started };
}

// Podman waits 1 s before its first retry unless told otherwise; a longer retryDelay shows in
// the time a failing transfer with one retry takes, which cannot be shorter than the delay.
export const RETRY_DELAY_MS = 2500;

/** One try against one try and a retry after RETRY_DELAY_MS: what the server did with both. */
export function assertRetried(
  once: { connections: number; ms: number },
  twice: { connections: number; ms: number },
): void {
  assert.ok(once.connections > 0);
  assert.ok(
    twice.connections > once.connections,
    `retry 0: ${once.connections} connections, retry 1: ${twice.connections}`,
  );
  assert.ok(
    twice.ms >= RETRY_DELAY_MS,
    `retry 1 with a ${RETRY_DELAY_MS} ms delay took ${twice.ms} ms`,
  );
}
