/**
 * Servers on Unix sockets for the transport tests, made with node:net and node:http so that
 * the same tests run on Node, Bun and Deno: each misbehaves in one way a real Podman cannot be
 * made to.
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh directory for sockets, and its removal. */
export function socketDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "podrx-transport-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A server listening, the sockets it accepted, and its closing. */
export interface Listening {
  readonly path: string;
  /** Every connection accepted so far, in order. */
  readonly sockets: Socket[];
  close(): Promise<void>;
}

async function listen(server: Server, path: string): Promise<Listening> {
  const sockets: Socket[] = [];
  server.on("connection", (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  return {
    path,
    sockets,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A raw server: `respond` gets each connection at its first bytes (the request head), and
 * writes what it likes, byte by byte if it likes.
 */
export function rawServer(
  path: string,
  respond: (socket: Socket, head: string) => void | Promise<void>,
): Promise<Listening> {
  const server = createNetServer((socket) => {
    socket.on("error", () => {});
    let head = "";
    const onData = (data: Uint8Array) => {
      head += new TextDecoder().decode(data);
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      void respond(socket, head);
    };
    socket.on("data", onData);
  });
  return listen(server, path);
}

/** An HTTP server calling `handle` for each request. */
export function httpServer(
  path: string,
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<Listening> {
  const server = createHttpServer((request, response) => {
    request.on("error", () => {});
    response.on("error", () => {});
    handle(request, response);
  });
  // Accepted sockets keep their errors (a client's abort) to themselves.
  server.on("connection", (socket: Socket) => socket.on("error", () => {}));
  return listen(server, path);
}

/** Writes `bytes` one byte per write, each after a millisecond, so each is its own read. */
export async function writeByteByByte(socket: Socket, bytes: Uint8Array): Promise<void> {
  for (const byte of bytes) {
    if (socket.destroyed) return;
    socket.write(new Uint8Array([byte]));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Settles like `promise`, or rejects after `ms` saying what hung. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves when `socket` closes (at once if it has). */
export function closed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once("close", () => resolve()));
}
