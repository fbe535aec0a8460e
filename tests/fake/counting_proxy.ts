/**
 * A Unix-socket proxy in front of a real service that counts the connections clients open to
 * it: how many are open now, the most open at once, and how many were accepted in all. It
 * stands where the service's side of each connection would be, so a connection a client
 * closes is seen closed here.
 *
 * @module
 */

/** A running proxy; see {@linkcode startCountingProxy}. */
export interface CountingProxy extends AsyncDisposable {
  /** The proxy's socket; point a client at `unix://` this. */
  socketPath: string;
  /** Connections open now. */
  readonly open: number;
  /** The most connections that were open at once. */
  readonly maxOpen: number;
  /** Connections accepted since the start. */
  readonly accepted: number;
  /** Stops accepting, closes every connection and removes the socket's directory. */
  close(): Promise<void>;
}

/** Starts a proxy that forwards every connection to the Unix socket at `target`. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-proxy-" });
  const socketPath = `${dir}/proxy.sock`;
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  const conns = new Set<Deno.Conn>();
  const piping = new Set<Promise<void>>();
  let open = 0;
  let maxOpen = 0;
  let accepted = 0;

  const forward = async (client: Deno.Conn): Promise<void> => {
    let upstream: Deno.Conn | undefined;
    try {
      upstream = await Deno.connect({ transport: "unix", path: target });
      conns.add(upstream);
      // Either side closing ends both directions: that is what the service would see.
      await Promise.race([
        client.readable.pipeTo(upstream.writable),
        upstream.readable.pipeTo(client.writable),
      ]);
    } catch {
      // A reset or an abort: the connection is over either way.
    } finally {
      for (const conn of [client, upstream]) {
        if (!conn) continue;
        conns.delete(conn);
        try {
          conn.close();
        } catch {
          // Closed by its stream already.
        }
      }
      open--;
    }
  };

  const accepting = (async () => {
    try {
      for await (const client of listener) {
        accepted++;
        open++;
        maxOpen = Math.max(maxOpen, open);
        conns.add(client);
        const done = forward(client);
        piping.add(done);
        done.finally(() => piping.delete(done));
      }
    } catch {
      // The listener was closed.
    }
  })();

  const close = async (): Promise<void> => {
    listener.close();
    await accepting;
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
    await Promise.allSettled([...piping]);
    await Deno.remove(dir, { recursive: true });
  };
  return {
    socketPath,
    get open() {
      return open;
    },
    get maxOpen() {
      return maxOpen;
    },
    get accepted() {
      return accepted;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
