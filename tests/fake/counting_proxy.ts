/**
 * A Unix-socket proxy in front of a real service that counts the connections clients open to
 * it: how many are open now, the most open at once, and how many were accepted in all. It
 * stands where the service's side of each connection would be, so a connection a client
 * closes is seen closed here. It also notes the request line of each request it forwards,
 * to show which endpoint a client used.
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
  /**
   * The request lines forwarded so far, e.g. `POST http://libpod/v5.8.6/libpod/images/load`:
   * method and target as the client sent them. A request is seen when its head starts a chunk
   * read from the client, which is how a client sends a new request on a connection.
   */
  readonly requests: readonly string[];
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
  const requests: string[] = [];
  // One per connection: a stream can be piped once.
  const noteRequests = (): TransformStream<Uint8Array, Uint8Array> =>
    new TransformStream({
      transform(chunk, controller) {
        const line = /^([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/.exec(
          new TextDecoder("latin1").decode(chunk.subarray(0, 8192)),
        );
        if (line) requests.push(`${line[1]} ${line[2]}`);
        controller.enqueue(chunk);
      },
    });

  const forward = async (client: Deno.Conn): Promise<void> => {
    let upstream: Deno.Conn | undefined;
    try {
      upstream = await Deno.connect({ transport: "unix", path: target });
      conns.add(upstream);
      // Either side closing ends both directions: that is what the service would see.
      await Promise.race([
        client.readable.pipeThrough(noteRequests()).pipeTo(upstream.writable),
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
    get requests() {
      return requests;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
