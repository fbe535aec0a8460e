/**
 * A registry that can be made to stall a transfer half-way: a TCP proxy on a loopback port in
 * front of a real registry, passing bytes through untouched until it is told to hold the
 * requests whose request line matches a pattern. A held request never reaches the registry
 * (its bytes are kept back, and dropped when the client leaves), so the client waits on it
 * for as long as the test likes, with no timer deciding how long "under way" lasts. The
 * proxy sees every connection the client opens and when the client closes it, which is how
 * a test tells that the client gave up.
 *
 * Bytes pass as they are, Host header included, so the upload locations the registry hands
 * out name the proxy and the client comes back through it. A request is seen when its head
 * starts a chunk read from the client, which is how a client sends a new request on a
 * connection (as in counting_proxy.ts).
 *
 * @module
 */

/** One client connection the proxy took. */
export interface HeldConnection {
  /** The request lines the client sent on it, e.g. `PATCH /v2/a/blobs/uploads/x?...`. */
  readonly requests: readonly string[];
  /** Whether a request on it is held. */
  readonly held: boolean;
  /** Whether the client has closed it (or reset it). */
  readonly closed: boolean;
}

/** A running proxy; see {@linkcode startHoldingRegistry}. */
export interface HoldingRegistry extends AsyncDisposable {
  /** `127.0.0.1:PORT`, to use in references in place of the registry's. */
  readonly address: string;
  /** Every connection so far, in the order they were accepted. */
  readonly connections: readonly HeldConnection[];
  /** Connections the client has not closed yet. */
  readonly open: number;
  /**
   * Holds every request from now on whose line (`METHOD /path?query`) matches `pattern`,
   * until {@linkcode HoldingRegistry.release}; resolves with the first one held.
   */
  hold(pattern: RegExp): Promise<string>;
  /** Stops holding: what was held and is still connected goes on to the registry. */
  release(): void;
  /** Stops accepting, closes every connection; safe to call more than once. */
  close(): Promise<void>;
}

/** The request line at the head of `chunk`, if a request starts there. */
function requestLine(chunk: Uint8Array): string | undefined {
  const head = new TextDecoder("latin1").decode(chunk.subarray(0, 8192));
  const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/.exec(head);
  return match ? `${match[1]} ${match[2]}` : undefined;
}

/** Starts a proxy in front of the plain-HTTP registry at `registry` (`host:port`). */
export function startHoldingRegistry(registry: string): HoldingRegistry {
  const colon = registry.lastIndexOf(":");
  const hostname = registry.slice(0, colon);
  const port = Number(registry.slice(colon + 1));
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connections: { requests: string[]; held: boolean; closed: boolean }[] = [];
  const sockets = new Set<Deno.Conn>();
  const forwarding = new Set<Promise<void>>();
  let pattern: RegExp | undefined;
  let firstHeld = Promise.withResolvers<string>();
  let released = Promise.withResolvers<void>();

  const forward = async (client: Deno.Conn): Promise<void> => {
    const state = { requests: [] as string[], held: false, closed: false };
    connections.push(state);
    let upstream: Deno.Conn | undefined;
    try {
      upstream = await Deno.connect({ hostname, port });
      sockets.add(upstream);
      const writer = upstream.writable.getWriter();
      // Answers flow back untouched; when the client's side ends, closing both ends this.
      void upstream.readable.pipeTo(client.writable).catch(() => {});
      // Writes go through one chain, so that a held request and everything after it on the
      // same connection wait for the release, in order, while the client is still read: the
      // end of the client's side is seen even while its request is held.
      let queue = Promise.resolve();
      for await (const chunk of client.readable) {
        const line = requestLine(chunk);
        if (line !== undefined) {
          state.requests.push(line);
          if (pattern?.test(line) && !state.held) {
            state.held = true;
            firstHeld.resolve(line);
            const gate = released.promise;
            queue = queue.then(() => gate);
          }
        }
        // Bytes still held when the client leaves are dropped, never sent.
        queue = queue.then(() => state.closed ? undefined : writer.write(chunk));
        if (state.held) queue.catch(() => {});
        else await queue;
      }
    } catch {
      // A reset: the connection is over all the same.
    } finally {
      // The client's side ended: whatever was held is dropped with the connection.
      state.closed = true;
      for (const socket of [client, upstream]) {
        if (socket === undefined) continue;
        sockets.delete(socket);
        try {
          socket.close();
        } catch {
          // Closed by its stream already.
        }
      }
    }
  };

  const accepting = (async () => {
    try {
      for await (const client of listener) {
        sockets.add(client);
        const done = forward(client);
        forwarding.add(done);
        done.finally(() => forwarding.delete(done));
      }
    } catch {
      // The listener was closed.
    }
  })();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => closing ??= shutDown();
  const shutDown = async (): Promise<void> => {
    listener.close();
    await accepting;
    released.resolve();
    for (const socket of sockets) {
      try {
        socket.close();
      } catch {
        // Already closed.
      }
    }
    await Promise.allSettled([...forwarding]);
  };
  return {
    address: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    get connections() {
      return connections;
    },
    get open() {
      return connections.filter((connection) => !connection.closed).length;
    },
    hold(next: RegExp): Promise<string> {
      pattern = next;
      firstHeld = Promise.withResolvers<string>();
      released = Promise.withResolvers<void>();
      return firstHeld.promise;
    },
    release(): void {
      pattern = undefined;
      released.resolve();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
