// deno-lint-ignore-file no-console -- a measurement script reports on the terminal
/**
 * Shows that Deno's `HttpClient.close()` leaves the connections it opened open, and that a
 * pool idle timeout closes them. A tiny HTTP server runs in a child process on a Unix socket,
 * behind a proxy that counts the connections open through it (tests/fake/counting_proxy.ts):
 * a connection counts as closed once the client's side of it is closed. The count is taken
 * after 50 concurrent requests, then at intervals after `close()`.
 *
 * ```sh
 * deno run -A bench/idle_sockets.ts
 * ```
 *
 * @module
 */

import { startCountingProxy } from "../tests/fake/counting_proxy.ts";

const CONCURRENT = 50;
const CHECKS_MS = [0, 100, 1_500, 3_000];

async function measure(
  serverSocket: string,
  label: string,
  options: Partial<Deno.CreateHttpClientOptions>,
): Promise<void> {
  await using proxy = await startCountingProxy(serverSocket);
  const socketPath = proxy.socketPath;
  const client = Deno.createHttpClient({
    proxy: { transport: "unix", path: socketPath },
    ...options,
  });
  await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      await (await fetch("http://libpod/", { client })).text();
    }),
  );
  const open = proxy.open;
  client.close();
  const after: string[] = [];
  let waited = 0;
  for (const at of CHECKS_MS) {
    await new Promise((resolve) => setTimeout(resolve, at - waited));
    waited = at;
    after.push(`${proxy.open} at +${at} ms`);
  }
  console.log(
    `${label}: ${open} connections after the requests; after close(): ${after.join(", ")}`,
  );
}

const dir = await Deno.makeTempDir({ prefix: "podrx-idle-" });
const socketPath = `${dir}/server.sock`;
const server = new Deno.Command(Deno.execPath(), {
  args: [
    "eval",
    `Deno.serve({ path: ${JSON.stringify(socketPath)}, onListen: () => console.log("ready") }, ` +
    `async () => { await new Promise((r) => setTimeout(r, 20)); return new Response("ok"); });`,
  ],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
await reader.read();
try {
  await measure(socketPath, "HttpClient, Deno's defaults", {});
  await measure(socketPath, "HttpClient, poolIdleTimeout 1000 (podrx)", {
    poolIdleTimeout: 1_000,
  });
} finally {
  server.kill();
  await server.status;
  reader.releaseLock();
  await server.stdout.cancel().catch(() => {});
  await Deno.remove(dir, { recursive: true });
}
