/**
 * The runtime's transports against a real Podman service, started here with private storage
 * and stopped after: the libpod ping and the image list, over the Unix socket (host `libpod`)
 * and over TCP. Written with node:test so that it runs on Node and Bun
 * (tests/transport/run_node.sh) and on Deno (`deno test`).
 *
 * @module
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { RUNTIME } from "../../src/runtime/runtime_name.ts";
import type { Transport } from "../../src/transport/transport.ts";
import { tcpTransport, unixSocketTransport } from "../../src/transport/socket_transport.ts";

/** A port free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A Podman service on private storage in a fresh directory, listening at `address`. */
function startPodman(dir: string, address: string): ChildProcess {
  const service = spawn("podman", [
    "--root",
    join(dir, "root"),
    // Short: Podman refuses a runroot over 50 characters.
    "--runroot",
    join(dir, "rr"),
    "--storage-driver",
    "vfs",
    "system",
    "service",
    "--time=0",
    address,
  ], { stdio: ["ignore", "ignore", "pipe"] });
  service.stderr!.on("data", () => {});
  return service;
}

/** Waits until the service answers `/_ping` through `transport`. */
async function answers(transport: Transport, service: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (service.exitCode !== null) throw new Error(`podman exited with ${service.exitCode}`);
    try {
      const response = await transport.fetch(`${transport.origin}/_ping`, {});
      if ((await response.text()) === "OK") return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A stopped service, its directory removed. */
async function stopPodman(service: ChildProcess | undefined, dir: string): Promise<void> {
  if (service && service.exitCode === null) {
    const exited = new Promise((resolve) => service.once("exit", resolve));
    service.kill("SIGTERM");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}

/** The checks both transports must pass against a live service. */
function servesLibpod(name: string, make: () => Transport) {
  it(`${name}: GET /v4.0.0/libpod/_ping answers OK with Libpod-API-Version`, async () => {
    const transport = make();
    try {
      const response = await transport.fetch(`${transport.origin}/v4.0.0/libpod/_ping`, {});
      assert.equal(response.status, 200);
      assert.match(response.headers.get("Libpod-API-Version") ?? "", /^\d+\.\d+\.\d+/);
      assert.equal(await response.text(), "OK");
    } finally {
      transport.close();
    }
  });

  it(`${name}: GET /v4.0.0/libpod/images/json answers a JSON array`, async () => {
    const transport = make();
    try {
      const response = await transport.fetch(`${transport.origin}/v4.0.0/libpod/images/json`, {
        headers: { accept: "application/json" },
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      assert.ok(Array.isArray(await response.json()));
    } finally {
      transport.close();
    }
  });

  it(`${name}: GET /v4.0.0/libpod/info answers libpod's own report (this service's vfs store)`, async () => {
    const transport = make();
    try {
      const response = await transport.fetch(`${transport.origin}/v4.0.0/libpod/info`, {});
      assert.equal(response.status, 200);
      // Docker's /info has no `store`; only a request routed as libpod gets this shape.
      const info = await response.json() as { store?: { graphDriverName?: string } };
      assert.equal(info.store?.graphDriverName, "vfs");
    } finally {
      transport.close();
    }
  });
}

describe(`the transports on ${RUNTIME} against a real Podman service`, () => {
  const dir = mkdtempSync("/tmp/ptr-");
  const socketPath = join(dir, "podman.sock");
  let unixService: ChildProcess | undefined;
  let tcpService: ChildProcess | undefined;
  let tcpOrigin = "";
  const tcpDir = mkdtempSync("/tmp/ptr-");

  before(async () => {
    unixService = startPodman(dir, `unix://${socketPath}`);
    const port = await freePort();
    tcpOrigin = `http://127.0.0.1:${port}`;
    tcpService = startPodman(tcpDir, `tcp://127.0.0.1:${port}`);
    const unix = unixSocketTransport(socketPath);
    const tcp = tcpTransport(tcpOrigin);
    try {
      await Promise.all([answers(unix, unixService), answers(tcp, tcpService)]);
    } finally {
      unix.close();
      tcp.close();
    }
  });
  after(async () => {
    await Promise.all([stopPodman(unixService, dir), stopPodman(tcpService, tcpDir)]);
  });

  servesLibpod("unix socket", () => unixSocketTransport(socketPath));
  servesLibpod("tcp", () => tcpTransport(tcpOrigin));
});
