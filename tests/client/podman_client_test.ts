import assert from "node:assert/strict";
import { firstValueFrom, lastValueFrom } from "rxjs";
import { PodmanClient, PodmanError, unixSocketTransport } from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { startFakePodman } from "../fake/fake_podman.ts";

const bed = testBed();

Deno.test("PodmanClient ping(), version() and apiVersion() read the real service", async () => {
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  assert.equal(await firstValueFrom(podman.ping()), true);
  const report = await firstValueFrom(podman.version());
  const apiVersion = await podman.apiVersion();
  assert.match(apiVersion, /^\d+\.\d+\.\d+/);
  const engine = report.components.find((component) => component.name === "Podman Engine");
  assert.equal(engine?.details.APIVersion, apiVersion);
  assert.equal(report.version, engine?.version);
  assert.match(report.version, /^\d+\.\d+\.\d+/);
  // camelCase fields, read from the server's PascalCase report, which `attrs` keeps as sent.
  assert.equal(report.version, report.attrs.Version);
  assert.equal(report.apiVersion, report.attrs.ApiVersion);
  assert.equal(report.os, report.attrs.Os);
  assert.equal(report.arch, report.attrs.Arch);
  assert.equal(report.minApiVersion, report.attrs.MinAPIVersion);
  assert.ok(report.os !== "" && report.arch !== "");
  assert.equal(await podman.apiMajorVersion(), Number.parseInt(apiVersion, 10));
});

Deno.test("unixSocketTransport() addresses Podman as host libpod, which Podman's routing needs", () => {
  const transport = unixSocketTransport(bed.socketPath);
  try {
    // Podman routes a request as libpod only when the third `/` piece of the absolute URL is
    // `libpod`; a RUN step in a build then uses the service's chroot isolation (see build tests).
    assert.equal(transport.origin.split("/")[2], "libpod");
  } finally {
    transport.close();
  }
});

Deno.test("PodmanClient on a unix:// URL sends host libpod on the wire", async () => {
  // What the server receives, not just the transport's origin: tests that talk to a fake
  // server through a faster origin (tests/faults/cancel_cycles_test.ts) rely on this one.
  await using fake = await startFakePodman(() => Response.json([]));
  assert.deepEqual(await lastValueFrom(fake.client.images.list()), []);
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0]!.headers.get("host"), "libpod");
});

Deno.test("PodmanClient with a missing socket fails with a PodmanError naming the socket", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using podman = new PodmanClient({ baseUrl: `unix://${dir}/missing.sock` });
    const error = await lastValueFrom(podman.images.list()).catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError);
    assert.match(
      error.message,
      new RegExp(`^Cannot list images: cannot reach Podman at unix://${dir}/missing\\.sock: `),
    );
    assert.match(error.message, /: no socket at this path$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PodmanClient discovery names every place it looked when none answers", async () => {
  const dir = await Deno.makeTempDir();
  const saved = ["CONTAINER_HOST", "DOCKER_HOST", "XDG_RUNTIME_DIR"].map((name) =>
    [name, Deno.env.get(name)] as const
  );
  try {
    Deno.env.set("CONTAINER_HOST", `unix://${dir}/a.sock`);
    Deno.env.set("DOCKER_HOST", `unix://${dir}/b.sock`);
    Deno.env.set("XDG_RUNTIME_DIR", `${dir}/run`);
    await using podman = new PodmanClient();
    const error = await firstValueFrom(podman.ping()).catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError);
    for (
      const place of [
        `unix://${dir}/a.sock (CONTAINER_HOST)`,
        `unix://${dir}/b.sock (DOCKER_HOST)`,
        `unix://${dir}/run/podman/podman.sock (XDG_RUNTIME_DIR)`,
        "unix:///run/podman/podman.sock",
      ]
    ) {
      assert.ok(error.message.includes(place), `${place} missing from: ${error.message}`);
    }
  } finally {
    for (const [name, value] of saved) {
      value === undefined ? Deno.env.delete(name) : Deno.env.set(name, value);
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PodmanClient discovery uses CONTAINER_HOST when it answers", async () => {
  const saved = Deno.env.get("CONTAINER_HOST");
  try {
    Deno.env.set("CONTAINER_HOST", `unix://${bed.socketPath}`);
    await using podman = new PodmanClient();
    assert.equal(await firstValueFrom(podman.ping()), true);
    assert.equal(await podman.connectionKind(), "unix");
  } finally {
    saved === undefined ? Deno.env.delete("CONTAINER_HOST") : Deno.env.set("CONTAINER_HOST", saved);
  }
});

Deno.test("PodmanClient connectionKind() tells a Unix socket from TCP and from a given transport", async () => {
  await using unix = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  assert.equal(await unix.connectionKind(), "unix");
  await using given = new PodmanClient({ transport: unixSocketTransport(bed.socketPath) });
  assert.equal(await given.connectionKind(), "transport");
  // A TCP service: the one answer the client needs to connect is the ping's version header.
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("OK", { headers: { "Libpod-API-Version": "5.8.6" } }),
  );
  await using tcp = new PodmanClient({ baseUrl: `tcp://127.0.0.1:${server.addr.port}` });
  assert.equal(await tcp.connectionKind(), "tcp");
});

Deno.test("PodmanClient rejects malformed base URLs with a RangeError at construction", () => {
  assert.throws(() => new PodmanClient({ baseUrl: "ftp://host:21" }), RangeError);
  assert.throws(() => new PodmanClient({ baseUrl: "tcp://host" }), RangeError);
  assert.throws(() => new PodmanClient({ baseUrl: "not a url" }), RangeError);
});

Deno.test("PodmanClient after close() fails operations with a PodmanError", async () => {
  const podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  assert.equal(await firstValueFrom(podman.ping()), true);
  await podman.close();
  const error = await firstValueFrom(podman.ping()).catch((error: unknown) => error);
  assert.ok(error instanceof PodmanError);
  assert.equal(error.message, "Cannot ping Podman: the client was closed");
});
