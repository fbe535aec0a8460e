// deno-lint-ignore-file no-console -- the probe reports to the test that runs it
/**
 * Run by node_response.node.ts on Node: answers requests through the Node transport and the
 * body-end notice (what every podrx call goes through), reading the body each way; packs a
 * one-file archive (a `load(path)` probe, a Dockerfile given alone) and reads a stream whole (a
 * Dockerfile given as a stream); then prints what it read and whether Node loaded undici.
 *
 * @module
 */
import type * as Http from "node:http";
import process from "node:process";
import { onBodyEnd } from "../../src/streams/_on_body_end.ts";
import { unixSocketTransport } from "../../src/transport/socket_transport.ts";
import { readAllBytes } from "../../src/bytes/read_all_bytes.ts";
import { singleFileTar } from "../../src/tar/single_file.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

async function streamed(body: ReadableStream<Uint8Array> | null): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of body!) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

const dir = mkdtempSync(`${tmpdir()}/podrx-undici-`);
// Not _fake_servers.ts: an ESM import of node:http reads every export, and some
// of those getters load undici themselves. podrx takes node:http as CommonJS gives it.
const http = (process as unknown as { getBuiltinModule(name: string): typeof Http })
  .getBuiltinModule("node:http");
const path = `${dir}/podman.sock`;
const server = http.createServer((request, response) => {
  response.writeHead(200, {
    "Content-Type": "application/json",
    "Libpod-API-Version": "5.4.0",
    "X-Echo": request.headers["x-podrx"] ?? "",
  });
  response.end(JSON.stringify([{ Id: "a" }]));
});
await new Promise<void>((resolve) => server.listen(path, resolve));
const transport = unixSocketTransport(path);
const seen: unknown[] = [];
try {
  for (const read of ["json", "text", "stream"] as const) {
    let ended = false;
    const response = onBodyEnd(
      await transport.fetch("http://libpod/v5.4.0/libpod/images/json", {
        headers: { "X-Podrx": read },
      }),
      new AbortController().signal,
      () => ended = true,
    );
    const body = read === "json"
      ? JSON.stringify(await response.json())
      : read === "text"
      ? await response.text()
      : await streamed(response.body);
    seen.push([
      read,
      response.status,
      response.ok,
      response.headers.get("Libpod-API-Version"),
      response.headers.get("x-echo"),
      body,
      ended,
    ]);
  }
  const dockerfile = new TextEncoder().encode("FROM scratch\n");
  const whole = await readAllBytes(
    new ReadableStream({
      start(controller) {
        controller.enqueue(dockerfile.subarray(0, 5));
        controller.enqueue(dockerfile.subarray(5));
        controller.close();
      },
    }),
  );
  const archive = await singleFileTar("Dockerfile", whole);
  seen.push(["tar", new TextDecoder().decode(whole), archive.byteLength]);
} finally {
  transport.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
}
const loaded = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
console.log(JSON.stringify({ seen, undici: loaded.some((name) => name.includes("undici")) }));
