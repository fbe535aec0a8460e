/**
 * The runtime's Unix-socket transport (`unixSocketTransport`, which picks Deno's, Node's or
 * Bun's) under faults a real Podman cannot be made to show. Written with node:test so that it
 * runs on Node and Bun (tests/transport/run_node.sh) and on Deno (`deno test`).
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUNTIME } from "../../src/runtime/runtime_name.ts";
import { unixSocketTransport } from "../../src/transport/socket_transport.ts";
import {
  connectionFailureReason,
  isConnectionFailure,
} from "../../src/transport/_connection_failure.ts";
import {
  closed,
  httpServer,
  rawServer,
  socketDir,
  within,
  writeByteByByte,
} from "./_fake_servers.ts";

const encoder = new TextEncoder();
const sockets = socketDir();
after(() => sockets.remove());
let count = 0;
const nextPath = () => join(sockets.dir, `s${count++}.sock`);

/** Stops the current task for `ms`. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The rejection of `promise`, failing the test if it fulfils. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

describe(`unixSocketTransport on ${RUNTIME}`, () => {
  it("reads a response whose every byte, head and body, arrives in its own write", async () => {
    const json = JSON.stringify({ Id: "sha256:0123", RepoTags: ["a:1", "ü:2"], Size: 42 });
    const body = encoder.encode(json);
    const server = await rawServer(nextPath(), async (socket) => {
      const head = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.byteLength}\r\n\r\n`;
      await writeByteByByte(socket, encoder.encode(head));
      await writeByteByByte(socket, body);
    });
    const transport = unixSocketTransport(server.path);
    try {
      const response = await transport.fetch(`${transport.origin}/v4.0.0/libpod/x`, {});
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "application/json");
      const text = await within(response.text(), 10_000, "reading the body");
      assert.equal(text, json);
      assert.deepEqual(JSON.parse(text), JSON.parse(json));
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("reads a chunked body split at every byte, a multi-byte character included", async () => {
    const json = JSON.stringify([{ stream: "Step 1/2 ✓\n" }, { stream: "done\n" }]);
    const body = encoder.encode(json);
    const server = await rawServer(nextPath(), async (socket) => {
      await writeByteByByte(
        socket,
        encoder.encode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
      );
      // Two chunks, cut inside the multi-byte ✓.
      const cut = json.indexOf("✓") + 1;
      for (const part of [body.subarray(0, cut), body.subarray(cut)]) {
        await writeByteByByte(socket, encoder.encode(`${part.byteLength.toString(16)}\r\n`));
        await writeByteByByte(socket, part);
        await writeByteByByte(socket, encoder.encode("\r\n"));
      }
      await writeByteByByte(socket, encoder.encode("0\r\n\r\n"));
    });
    const transport = unixSocketTransport(server.path);
    try {
      const response = await transport.fetch(`${transport.origin}/x`, {});
      assert.equal(await within(response.text(), 10_000, "reading the body"), json);
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("fails the body, without hanging, when the server stops mid-stream", async () => {
    const server = await rawServer(nextPath(), async (socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
      socket.write('{"status":"pulling"');
      await sleep(50);
      socket.destroy();
    });
    const transport = unixSocketTransport(server.path);
    try {
      const response = await transport.fetch(`${transport.origin}/x`, {});
      assert.equal(response.status, 200);
      const error = await within(rejection(response.text()), 5_000, "the broken body");
      assert.ok(isConnectionFailure(error), `a connection failure: ${String(error)}`);
      assert.equal(connectionFailureReason(error), "broken");
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("fails a chunked body, without hanging, when the server stops between chunks", async () => {
    const server = await rawServer(nextPath(), async (socket) => {
      socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
      await sleep(50);
      socket.end();
    });
    const transport = unixSocketTransport(server.path);
    try {
      const response = await transport.fetch(`${transport.origin}/x`, {});
      const reader = response.body!.getReader();
      const first = await reader.read();
      assert.equal(new TextDecoder().decode(first.value), "hello");
      const error = await within(rejection(reader.read()), 5_000, "the broken body");
      assert.ok(isConnectionFailure(error), `a connection failure: ${String(error)}`);
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("closes the connection when aborted mid-upload; the server sees it close", async () => {
    let received = 0;
    let uploadEnded = false;
    let serverSocket: Promise<void> | undefined;
    const gotSome = Promise.withResolvers<void>();
    const server = await httpServer(nextPath(), (request) => {
      serverSocket = closed(request.socket);
      request.on("data", (data: Uint8Array) => {
        received += data.byteLength;
        if (received >= 256 * 1024) gotSome.resolve();
      });
      request.on("end", () => uploadEnded = true);
    });
    let cancelled: unknown;
    const chunk = new Uint8Array(64 * 1024).fill(7);
    // An upload that never ends on its own.
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        await sleep(1);
        controller.enqueue(chunk.slice());
      },
      cancel: (reason) => {
        cancelled = reason ?? "cancelled";
      },
    });
    const transport = unixSocketTransport(server.path);
    const controller = new AbortController();
    try {
      const sent = transport.fetch(`${transport.origin}/v4.0.0/libpod/build`, {
        method: "POST",
        body,
        signal: controller.signal,
        duplex: "half",
      } as RequestInit);
      sent.catch(() => {});
      await within(gotSome.promise, 10_000, "the first 256 KiB of the upload");
      const reason = new DOMException("stop", "AbortError");
      controller.abort(reason);
      assert.equal(await within(rejection(sent), 5_000, "the aborted fetch"), reason);
      await within(serverSocket!, 5_000, "the server's socket closing");
      assert.equal(uploadEnded, false, "the upload never ended normally");
      await within(
        (async () => {
          while (cancelled === undefined) await sleep(5);
        })(),
        5_000,
        "the body stream's cancel",
      );
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("closes the connection when aborted mid-body; the body errors with the reason", async () => {
    let serverSocket: Promise<void> | undefined;
    const server = await httpServer(nextPath(), (request, response) => {
      serverSocket = closed(request.socket);
      response.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => response.write('{"stream":"step"}\n'), 5);
      response.on("close", () => clearInterval(timer));
    });
    const transport = unixSocketTransport(server.path);
    const controller = new AbortController();
    try {
      const response = await transport.fetch(`${transport.origin}/x`, {
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      assert.ok((await reader.read()).value!.byteLength > 0);
      const reason = new DOMException("enough", "AbortError");
      controller.abort(reason);
      const error = await within(
        rejection((async () => {
          for (;;) if ((await reader.read()).done) return;
        })()),
        5_000,
        "the aborted body",
      );
      assert.equal(error, reason);
      await within(serverSocket!, 5_000, "the server's socket closing");
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("rejects with the reason, and closes the connection, when aborted before the response", async () => {
    let serverSocket: Promise<void> | undefined;
    const asked = Promise.withResolvers<void>();
    // A server that never answers.
    const server = await httpServer(nextPath(), (request) => {
      serverSocket = closed(request.socket);
      asked.resolve();
    });
    const transport = unixSocketTransport(server.path);
    const controller = new AbortController();
    try {
      const sent = transport.fetch(`${transport.origin}/x`, { signal: controller.signal });
      sent.catch(() => {});
      await within(asked.promise, 5_000, "the request arriving");
      const reason = new DOMException("late", "AbortError");
      controller.abort(reason);
      assert.equal(await within(rejection(sent), 5_000, "the aborted fetch"), reason);
      await within(serverSocket!, 5_000, "the server's socket closing");
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("holds back a response the reader does not read (backpressure)", async () => {
    const total = 64 * 1024 * 1024;
    let written = 0;
    const blocked = Promise.withResolvers<void>();
    const server = await httpServer(nextPath(), (_request, response) => {
      response.writeHead(200, { "content-length": String(total) });
      const chunk = new Uint8Array(1024 * 1024);
      const write = () => {
        while (written < total) {
          written += chunk.byteLength;
          if (!response.write(chunk)) {
            blocked.resolve();
            response.once("drain", write);
            return;
          }
        }
        response.end();
      };
      write();
    });
    const transport = unixSocketTransport(server.path);
    try {
      const response = await transport.fetch(`${transport.origin}/x`, {});
      await within(blocked.promise, 5_000, "the server's writes blocking");
      await sleep(300);
      // The client buffers a bounded amount (its queue and the sockets'), far from all of it.
      assert.ok(written < 16 * 1024 * 1024, `the server wrote ${written} bytes unread`);
      let read = 0;
      for await (const chunk of response.body!) read += chunk.byteLength;
      assert.equal(read, total);
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("reads a streamed upload only as fast as the server takes it (backpressure)", async () => {
    let handed = 0;
    const arrived = Promise.withResolvers<void>();
    const server = await httpServer(nextPath(), (request, response) => {
      // Reads nothing of the body for a while.
      request.pause();
      arrived.resolve();
      setTimeout(() => {
        let received = 0;
        request.on("data", (data: Uint8Array) => received += data.byteLength);
        request.on("end", () => response.end(String(received)));
        request.resume();
      }, 400);
    });
    const total = 32 * 1024 * 1024;
    const chunk = new Uint8Array(256 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        if (handed >= total) return controller.close();
        handed += chunk.byteLength;
        controller.enqueue(chunk.slice());
      },
    }, { highWaterMark: 0 });
    const transport = unixSocketTransport(server.path);
    try {
      const sent = transport.fetch(`${transport.origin}/x`, {
        method: "POST",
        body,
        duplex: "half",
      } as RequestInit);
      await within(arrived.promise, 5_000, "the request arriving");
      await sleep(200);
      assert.ok(handed < 16 * 1024 * 1024, `the body was read ${handed} bytes ahead`);
      const response = await within(sent, 10_000, "the upload");
      assert.equal(await response.text(), String(total));
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("sends each kind of body with its length, a stream chunked, and Host libpod", async () => {
    const server = await httpServer(nextPath(), (request, response) => {
      const parts: Uint8Array[] = [];
      request.on("data", (data: Uint8Array) => parts.push(data));
      request.on("end", () => {
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify({
          method: request.method,
          url: request.url,
          host: request.headers.host,
          length: request.headers["content-length"] ?? null,
          chunked: request.headers["transfer-encoding"] === "chunked",
          custom: request.headers["x-registry-auth"] ?? null,
          body: Buffer.concat(parts).toString("utf8"),
        }));
      });
    });
    const transport = unixSocketTransport(server.path);
    const url = `${transport.origin}/v4.0.0/libpod/images/load?quiet=true`;
    const echo = async (init: RequestInit) => await (await transport.fetch(url, init)).json();
    try {
      const text = await echo({ method: "POST", body: "ünï", headers: { "X-Registry-Auth": "a" } });
      // Deno sends the absolute URL as the request target, Node and Bun only its path: Podman
      // reads both as libpod calls (its third `/`-piece is `libpod` either way).
      assert.equal(new URL(text.url, "http://libpod").href, url);
      assert.deepEqual(
        { ...text, chunked: undefined, url: undefined },
        {
          method: "POST",
          url: undefined,
          host: "libpod",
          length: "5",
          chunked: undefined,
          custom: "a",
          body: "ünï",
        },
      );
      const bytes = await echo({ method: "POST", body: encoder.encode("abc") });
      assert.equal(bytes.length, "3");
      assert.equal(bytes.body, "abc");
      const buffer = await echo({ method: "PUT", body: encoder.encode("abcd").buffer });
      assert.equal(buffer.length, "4");
      const parts = ["one,", "two,", "three"];
      const stream = await echo({
        method: "POST",
        headers: new Headers([["x-registry-auth", "b"]]),
        body: new ReadableStream({
          pull: (controller) => {
            const part = parts.shift();
            if (part === undefined) controller.close();
            else controller.enqueue(encoder.encode(part));
          },
        }),
        duplex: "half",
      } as RequestInit);
      assert.equal(stream.body, "one,two,three");
      assert.equal(stream.length, null);
      assert.equal(stream.chunked, true);
      assert.equal(stream.custom, "b");
      const none = await echo({ method: "DELETE" });
      assert.equal(none.body, "");
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("reuses its connections across 200 calls in a row", async () => {
    const server = await httpServer(nextPath(), (_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end("[]");
    });
    const transport = unixSocketTransport(server.path);
    try {
      for (let i = 0; i < 200; i++) {
        const response = await transport.fetch(`${transport.origin}/v4.0.0/libpod/images/json`, {});
        assert.deepEqual(await response.json(), []);
      }
      assert.ok(server.sockets.length <= 2, `${server.sockets.length} connections for 200 calls`);
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("closes an idle connection after about a second", {
    skip: RUNTIME === "bun" && "Bun's fetch keeps one pool of its own for every request",
  }, async () => {
    const server = await httpServer(nextPath(), (_request, response) => response.end("OK"));
    const transport = unixSocketTransport(server.path);
    try {
      const response = await transport.fetch(`${transport.origin}/_ping`, {});
      assert.equal(await response.text(), "OK");
      assert.equal(server.sockets.length, 1);
      await within(closed(server.sockets[0]!), 3_000, "the idle connection closing");
    } finally {
      transport.close();
      await server.close();
    }
  });

  it("closes its idle connections on close()", {
    skip: RUNTIME !== "node" &&
      "Deno's HttpClient.close() leaves idle connections to their timeout; Bun has no pool of ours",
  }, async () => {
    const server = await httpServer(nextPath(), (_request, response) => response.end("OK"));
    const transport = unixSocketTransport(server.path);
    try {
      const response = await transport.fetch(`${transport.origin}/_ping`, {});
      assert.equal(await response.text(), "OK");
      transport.close();
      await within(closed(server.sockets[0]!), 300, "the connection closing on close()");
    } finally {
      transport.close();
      await server.close();
    }
  });

  describe("explains a socket it cannot connect to", () => {
    const explained = async (path: string) => {
      const transport = unixSocketTransport(path);
      try {
        return await rejection(transport.fetch(`${transport.origin}/_ping`, {}));
      } finally {
        transport.close();
      }
    };

    it("no socket at this path", async () => {
      const error = await explained(join(sockets.dir, "missing.sock"));
      assert.ok(error instanceof TypeError);
      assert.equal(error.message, "no socket at this path");
      assert.equal(connectionFailureReason(error), "unreachable");
    });

    it("the path exists but is not a socket", async () => {
      const path = join(sockets.dir, "plain-file");
      writeFileSync(path, "not a socket");
      const error = await explained(path);
      assert.ok(error instanceof TypeError);
      assert.equal(error.message, "the path exists but is not a socket");
    });

    describe("a socket nobody listens on", () => {
      const path = join(sockets.dir, "dead.sock");
      before(() => {
        // Bound and left: the file stays, and nothing accepts on it.
        execFileSync("python3", [
          "-c",
          "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
          path,
        ]);
      });
      it("the socket exists but nothing accepts connections on it", async () => {
        const error = await explained(path);
        assert.ok(error instanceof TypeError);
        assert.equal(
          error.message,
          "the socket exists but nothing accepts connections on it (is the service running?)",
        );
        assert.equal(connectionFailureReason(error), "refused");
      });
    });
  });
});
