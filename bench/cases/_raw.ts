/**
 * The baseline every case compares with: Deno's own `fetch` on the same Unix socket, with
 * the URL host `libpod`, and nothing else.
 *
 * @module
 */

/** A raw client of the socket: `call(path)` fetches `http://libpod/v{version}/libpod{path}`. */
export interface RawClient {
  http: Deno.HttpClient;
  url(path: string): string;
  close(): void;
}

/** Opens a raw client of the socket at `socketPath` for the API version `apiVersion`. */
export function rawClient(socketPath: string, apiVersion: string): RawClient {
  const http = Deno.createHttpClient({ proxy: { transport: "unix", path: socketPath } });
  return {
    http,
    url: (path) => `http://libpod/v${apiVersion}/libpod${path}`,
    close: () => http.close(),
  };
}
