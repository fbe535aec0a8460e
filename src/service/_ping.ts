/**
 * The one readiness check for the sockets podrx waits on: does Podman answer `/_ping` there.
 *
 * @module
 */
import { isPermissionError } from "../transport/_connection_failure.ts";
import { unixSocketTransport } from "../transport/socket_transport.ts";

/** Options for {@linkcode pingSocket}. */
export interface PingOptions {
  /** How long one ping may take, in milliseconds. */
  timeoutMs: number;
  /** Ends the ping early; it then counts as no answer. */
  signal?: AbortSignal | undefined;
}

/**
 * Sends `GET /_ping` over a unix socket.
 *
 * @param socketPath The socket.
 * @param options Time limit and cancellation.
 * @returns Whether Podman answered `200 OK`; any failure to connect or read is `false`,
 * since until the socket is there and served, "no" means "not yet".
 * @throws {Deno.errors.NotCapable} (as a rejection) When the script may not use the socket
 * (no `--allow-read`, `--allow-write` or `--allow-net` for it): waiting cannot bring a
 * permission, and Deno's message names the flag. Also `PermissionDenied` from the system.
 */
export async function pingSocket(socketPath: string, options: PingOptions): Promise<boolean> {
  // Deno checks read, write and net access to the socket when the client is made (this
  // throws), and net access to the URL's host on the request.
  const transport = unixSocketTransport(socketPath);
  // A timer of our own rather than AbortSignal.timeout(), whose timer outlives the ping.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    const response = await transport.fetch(`${transport.origin}/_ping`, {
      signal: options.signal
        ? AbortSignal.any([options.signal, controller.signal])
        : controller.signal,
    });
    // Something else that answers 200 on this socket is not Podman.
    const body = await response.text();
    return response.status === 200 && body.trim() === "OK";
  } catch (error) {
    if (isPermissionError(error)) throw error;
    return false;
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
