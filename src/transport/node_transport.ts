/**
 * The transport on Node: node:http over a Unix socket or TCP. (Node's own `fetch` cannot reach
 * a Unix socket without undici's `Agent`, which Node does not export.)
 *
 * @module
 */
import type * as Http from "node:http";
import type { Agent, ClientRequest, IncomingMessage } from "node:http";
import { nodeBuiltin } from "../runtime/node_builtin.ts";
import type { Transport } from "./transport.ts";
import { explainSocketFailure } from "./_explain_socket_failure.ts";
import { nodeRequestBody, writeStream } from "./_node_request_body.ts";
import { type BodyEnd, responseOf } from "./_node_response.ts";

/**
 * How long a connection may sit idle in the agent before it is closed, as on Deno: a second.
 * Idle sockets are also unref'd by the agent, so they never keep the process alive.
 */
const IDLE_CONNECTION_MS = 1_000;

/** Where node:http connects: a Unix socket, or a TCP host and port. */
type Destination = { socketPath: string } | { host: string; port: number };

/**
 * A Node transport over the Unix socket at `path`; the origin is `http://libpod` (see
 * `unixSocketTransport`), and every request says `Host: libpod`.
 */
export function nodeUnixSocketTransport(path: string): Transport {
  return nodeTransport("http://libpod", `unix://${path}`, { socketPath: path }, path);
}

/** A Node transport over TCP to `origin` (`http://host:port`). */
export function nodeTcpTransport(origin: string): Transport {
  const url = new URL(origin);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const destination = { host, port: Number(url.port || 80) };
  return nodeTransport(url.origin, `tcp://${url.host}`, destination, undefined);
}

function nodeTransport(
  origin: string,
  description: string,
  destination: Destination,
  socketPath: string | undefined,
): Transport {
  // Keep-alive, so that calls in a row reuse connections; idle ones close after a second.
  const http = nodeBuiltin<typeof Http>("node:http");
  const agent = new http.Agent({ keepAlive: true, timeout: IDLE_CONNECTION_MS });
  return {
    origin,
    description,
    fetch: async (url, init) => {
      try {
        return await send(http, agent, destination, url, init);
      } catch (error) {
        if (init.signal?.aborted || socketPath === undefined) throw error;
        throw await explainSocketFailure(socketPath, error);
      }
    },
    close: () => agent.destroy(),
  };
}

/**
 * One request, fetch's way: resolves with the response once its headers are in, rejects with
 * `TypeError("fetch failed", { cause })` when the network fails before that (as Node's fetch
 * does), and with the signal's reason on an abort, which destroys the connection at any stage:
 * before the response, mid-upload, or mid-body (the body stream then errors with the reason).
 */
function send(
  http: typeof Http,
  agent: Agent,
  destination: Destination,
  url: string,
  init: RequestInit,
): Promise<Response> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const target = new URL(url);
  const method = (init.method ?? "GET").toUpperCase();
  const body = nodeRequestBody(init.body);
  const headers = headerRecord(init.headers);
  if ("socketPath" in destination && !("host" in headers)) headers.host = target.host;
  if (body.type !== undefined && !("content-type" in headers)) headers["content-type"] = body.type;
  if (body.length !== undefined && !("content-length" in headers)) {
    headers["content-length"] = String(body.length);
  } else if (body.content !== undefined && !("content-length" in headers)) {
    headers["transfer-encoding"] = "chunked";
  }

  return new Promise((resolve, reject) => {
    let responded = false;
    let failBody: ((reason: unknown) => void) | undefined;
    const request: ClientRequest = http.request({
      ...destination,
      agent,
      method,
      path: `${target.pathname}${target.search}`,
      headers,
    });
    const onAbort = () => {
      const reason = signal!.reason;
      request.destroy(reason instanceof Error ? reason : undefined);
      if (failBody) failBody(reason);
      else reject(reason);
    };
    const stopWatching = () => signal?.removeEventListener("abort", onAbort);
    signal?.addEventListener("abort", onAbort, { once: true });

    request.on("error", (error) => {
      if (responded || signal?.aborted) return;
      stopWatching();
      reject(new TypeError("fetch failed", { cause: error }));
    });
    request.once("response", (message: IncomingMessage) => {
      responded = true;
      const end: BodyEnd = {
        onFail: (fail) => failBody = fail,
        done: stopWatching,
        // The rest of the body is unread: the connection cannot serve another request.
        cancel: () => request.destroy(),
      };
      resolve(responseOf(message, method === "HEAD", end));
    });

    const content = body.content;
    if (content === undefined) request.end();
    else if (content instanceof Uint8Array) request.end(content);
    else {
      writeStream(request, content).catch((error) => {
        // An abort or a lost connection is reported above; a broken source stream is not.
        if (request.destroyed) return;
        request.destroy();
        stopWatching();
        if (!responded) reject(new TypeError("fetch failed", { cause: error }));
      });
    }
  });
}

/**
 * A request's headers by lower-case name, repeats joined as `Headers` joins them. Read without
 * `Headers` itself, whose first use loads undici on Node (see node_response.ts).
 */
function headerRecord(headers: RequestInit["headers"]): Record<string, string> {
  const record: Record<string, string> = Object.create(null);
  const add = (name: string, value: string): void => {
    const key = name.toLowerCase();
    record[key] = key in record ? `${record[key]}, ${value}` : value;
  };
  if (headers === undefined) return record;
  if (Array.isArray(headers)) {
    for (const [name, value] of headers) add(name!, value!);
  } else if (typeof (headers as Headers).forEach === "function") {
    (headers as Headers).forEach((value, name) => add(name, value));
  } else {
    for (const [name, value] of Object.entries(headers)) add(name, value as string);
  }
  return record;
}
