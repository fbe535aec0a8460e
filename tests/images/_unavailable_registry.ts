/**
 * A registry that is never there, for tests of the server's retries: it takes every connection
 * and drops it.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * A registry that takes every connection, waits for the client's first bytes (a TLS hello or an
 * HTTP request) and closes it, counting connections: a failure Podman retries (an EOF; 5.4 does
 * not retry a 503), seen again on each try.
 *
 * Closing before the client has written lets the client's write fail instead ("broken pipe"),
 * which Podman does not retry: in one loaded CI run that made a pull with two retries connect
 * as often as one without. Reading first leaves the client waiting on its read, every time.
 */
export function unavailableRegistry(): { host: string; requests: () => number } & AsyncDisposable {
  let count = 0;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Promise<void>>();
  const drop = async (connection: Deno.Conn) => {
    // A client that never writes is closed after a while all the same.
    const quiet = setTimeout(() => connection.close(), 10_000);
    try {
      await connection.read(new Uint8Array(64 * 1024));
      connection.close();
    } catch {
      // Closed by the timer, or reset by the client: either way the connection is gone.
    } finally {
      clearTimeout(quiet);
    }
  };
  const accepting = (async () => {
    for await (const connection of listener) {
      count++;
      const dropping = drop(connection);
      open.add(dropping);
      dropping.finally(() => open.delete(dropping));
    }
  })();
  return {
    host: `127.0.0.1:${listener.addr.port}`,
    requests: () => count,
    [Symbol.asyncDispose]: async () => {
      listener.close();
      await accepting.catch(() => {});
      await Promise.all(open);
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

/**
 * Retries to ask for in the test of a transfer that retries. Two, not one: in one loaded CI run
 * Podman 6.1.1's push made as many connections with one retry as without (the retry never came;
 * alone it always does), so the outcome rests on two.
 */
export const RETRIES = 2;

/**
 * Runs `attempt` against fresh unavailable registries twice, with no retry and with
 * {@linkcode RETRIES} retries after RETRY_DELAY_MS each, and checks what the server did with
 * both: more connections, and at least the delay.
 */
export async function assertRetried(
  attempt: (host: string, retry: number) => Promise<unknown>,
): Promise<void> {
  const once = await triesUntilFailure((host) => attempt(host, 0));
  const twice = await triesUntilFailure((host) => attempt(host, RETRIES));
  assert.ok(once.connections > 0);
  assert.ok(
    twice.connections > once.connections,
    `retry 0: ${once.connections} connections, retry ${RETRIES}: ${twice.connections}`,
  );
  assert.ok(
    twice.ms >= RETRY_DELAY_MS,
    `retry ${RETRIES} with a ${RETRY_DELAY_MS} ms delay took ${twice.ms} ms`,
  );
}
