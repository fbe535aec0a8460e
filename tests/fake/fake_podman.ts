/**
 * A fake libpod server on a Unix socket, for what a real Podman cannot show on demand:
 * faults, slow or malformed bodies, exact request counts. It answers `/_ping` with a
 * `Libpod-API-Version` header like Podman does, and hands every other request to `handler`.
 *
 * @module
 */

import { PodmanClient } from "../../mod.ts";

/** A running fake server and a client connected to it. */
export interface FakePodman extends AsyncDisposable {
  /** Socket path. */
  socketPath: string;
  /** Requests received (besides `/_ping`), in order: method and path with query. */
  requests: { method: string; path: string; headers: Headers }[];
  /** A client on the socket; closed by dispose. */
  client: PodmanClient;
  /** Stops the server and the client, and removes the socket's directory. */
  close(): Promise<void>;
}

/** Starts a fake server; `apiVersion` is what `/_ping` reports. */
export async function startFakePodman(
  handler: (request: Request, url: URL) => Response | Promise<Response>,
  { apiVersion = "4.3.1" }: { apiVersion?: string } = {},
): Promise<FakePodman> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-fake-" });
  const socketPath = `${dir}/fake.sock`;
  const requests: FakePodman["requests"] = [];
  const server = Deno.serve({ path: socketPath, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/_ping") {
      return new Response("OK", { headers: { "Libpod-API-Version": apiVersion } });
    }
    requests.push({
      method: request.method,
      path: url.pathname + url.search,
      headers: request.headers,
    });
    return handler(request, url);
  });
  const client = new PodmanClient({ baseUrl: `unix://${socketPath}` });
  const close = async (): Promise<void> => {
    await client.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  };
  return { socketPath, requests, client, close, [Symbol.asyncDispose]: close };
}

/** A response whose body never ends (and never sends a byte after `first`), until cancelled. */
export function silentBody(
  first = "",
): { body: ReadableStream<Uint8Array>; cancelled: Promise<void> } {
  let markCancelled!: () => void;
  const cancelled = new Promise<void>((resolve) => (markCancelled = resolve));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first) controller.enqueue(new TextEncoder().encode(first));
    },
    cancel() {
      markCancelled();
    },
  });
  return { body, cancelled };
}
