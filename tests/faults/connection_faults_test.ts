// Sockets that cannot serve: missing, not a socket, nobody listening, a server that hangs up.
import assert from "node:assert/strict";
import { lastValueFrom, type Observable, tap, toArray } from "rxjs";
import { BuildError, ConnectionError, PodmanClient, PodmanError } from "../../mod.ts";
import { startFakePodman } from "../fake/fake_podman.ts";

async function errorOf(baseUrl: string): Promise<PodmanError> {
  await using podman = new PodmanClient({ baseUrl });
  const error = await lastValueFrom(podman.images.list()).catch((e: unknown) => e);
  assert.ok(error instanceof PodmanError, String(error));
  return error;
}

Deno.test("a missing socket is a PodmanError naming the socket", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const error = await errorOf(`unix://${dir}/none.sock`);
    assert.equal(
      error.message,
      `Cannot list images: cannot reach Podman at unix://${dir}/none.sock: no socket at this path`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a path that is not a socket is a PodmanError saying so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/plain.sock`, "not a socket");
    const error = await errorOf(`unix://${dir}/plain.sock`);
    assert.match(
      error.message,
      /cannot reach Podman at unix:\/\/.*plain\.sock: the path exists but is not a socket$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a socket nobody listens on (connection refused) is a PodmanError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A socket bound but never listened on refuses connections, and its file stays.
    const bind = await new Deno.Command("python3", {
      args: [
        "-c",
        "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
        `${dir}/dead.sock`,
      ],
    }).output();
    assert.ok(bind.success);
    const error = await errorOf(`unix://${dir}/dead.sock`);
    assert.match(
      error.message,
      /dead\.sock: the socket exists but nothing accepts connections on it/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a server that is not Podman (no Libpod-API-Version) is a PodmanError", async () => {
  const dir = await Deno.makeTempDir();
  const server = Deno.serve(
    { path: `${dir}/other.sock`, onListen: () => {} },
    () => new Response("hello"),
  );
  try {
    const error = await errorOf(`unix://${dir}/other.sock`);
    assert.match(
      error.message,
      /answered without a Libpod-API-Version header; is it a Podman service\?$/,
    );
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

/** A raw socket server: it accepts, reads the request's head, and closes without a word. */
function hangUpServer(path: string): { close(): void } {
  const listener = Deno.listen({ transport: "unix", path });
  (async () => {
    for await (const connection of listener) {
      const buffer = new Uint8Array(64 * 1024);
      let head = "";
      while (!head.includes("\r\n\r\n")) {
        const read = await connection.read(buffer).catch(() => null);
        if (read === null) break;
        head += new TextDecoder().decode(buffer.subarray(0, read));
      }
      connection.close();
    }
  })().catch(() => {});
  return { close: () => listener.close() };
}

Deno.test("a refused connection and one the server broke after reading the request are told apart", async () => {
  const dir = await Deno.makeTempDir();
  const server = hangUpServer(`${dir}/hangup.sock`);
  try {
    await new Deno.Command("python3", {
      args: [
        "-c",
        "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
        `${dir}/dead.sock`,
      ],
    }).output();
    // apiVersion given: no /_ping first, the list is the first request the server reads.
    await using broken = new PodmanClient({
      baseUrl: `unix://${dir}/hangup.sock`,
      apiVersion: "4.3.1",
    });
    await using refused = new PodmanClient({
      baseUrl: `unix://${dir}/dead.sock`,
      apiVersion: "4.3.1",
    });
    await using missing = new PodmanClient({
      baseUrl: `unix://${dir}/none.sock`,
      apiVersion: "4.3.1",
    });
    const errorOfList = (client: PodmanClient) =>
      client.images.promises.list().then(() => assert.fail("listed"), (error: unknown) => error);
    const brokeError = await errorOfList(broken);
    assert.ok(brokeError instanceof ConnectionError, String(brokeError));
    assert.equal(brokeError.reason, "broken");
    assert.match(
      brokeError.message,
      /^Cannot list images: the connection to Podman at unix:\/\/.*hangup\.sock broke before it answered: /,
    );
    assert.doesNotMatch(brokeError.message, /nothing accepts connections/);
    const refusedError = await errorOfList(refused);
    assert.ok(refusedError instanceof ConnectionError, String(refusedError));
    assert.equal(refusedError.reason, "refused");
    assert.match(
      refusedError.message,
      /dead\.sock: the socket exists but nothing accepts connections on it/,
    );
    const missingError = await errorOfList(missing);
    assert.ok(missingError instanceof ConnectionError, String(missingError));
    assert.equal(missingError.reason, "unreachable");
    assert.match(missingError.message, /none\.sock: no socket at this path$/);
  } finally {
    server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** A body that sends `lines`, then breaks off (the connection is dropped, as when the service dies). */
function dyingBody(lines: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const line of lines) controller.enqueue(new TextEncoder().encode(line + "\n"));
      await new Promise((resolve) => setTimeout(resolve, 20));
      controller.error(new Error("the service died"));
    },
  });
}

Deno.test("a service that dies mid-pull and mid-build gives the same ConnectionError, not a BuildError", async () => {
  await using fake = await startFakePodman(async (request) => {
    await request.arrayBuffer(); // the build's context is read whole first
    return new URL(request.url).pathname.endsWith("/build")
      ? new Response(dyingBody(['{"stream":"STEP 1/2: FROM scratch\\n"}']))
      : new Response(dyingBody(['{"stream":"Trying to pull localhost/x:latest...\\n"}']));
  });
  const errors: unknown[] = [];
  for (
    const operation of [
      fake.client.images.pull("localhost/x"),
      fake.client.images.build({ fileobj: "FROM scratch\nRUN true\n" }),
    ] as Observable<unknown>[]
  ) {
    const seen: unknown[] = [];
    const error = await lastValueFrom(operation.pipe(tap((event) => seen.push(event)), toArray()))
      .then(() => assert.fail("completed"), (error: unknown) => error);
    assert.equal(seen.length, 1, "the line before the break arrived");
    errors.push(error);
  }
  const [pullError, buildError] = errors;
  for (const error of [pullError, buildError]) {
    assert.ok(error instanceof ConnectionError, String(error));
    assert.ok(!(error instanceof BuildError));
    assert.equal(error.reason, "broken");
    assert.match(error.message, /: the connection to Podman broke: /);
  }
  assert.match((pullError as Error).message, /^Cannot pull image "localhost\/x:latest": /);
  assert.match((buildError as Error).message, /^Cannot build image: /);
});

Deno.test("a closed client fails every operation with ConnectionError reason closed", async () => {
  const podman = new PodmanClient({ baseUrl: "unix:///nonexistent/podrx.sock" });
  await podman.close();
  const error = await podman.promises.ping().catch((error: unknown) => error);
  assert.ok(error instanceof ConnectionError && error.reason === "closed", String(error));
  assert.equal(error.message, "Cannot ping Podman: the client was closed");
});

Deno.test("the constructor does not throw for a missing permission: the first operation reports it", async () => {
  const script = `
    import { ConnectionError, PodmanClient } from "${
    new URL("../../mod.ts", import.meta.url).href
  }";
    const podman = new PodmanClient({ baseUrl: "unix:///nonexistent/podrx.sock" });
    const results = await Promise.allSettled([podman.promises.ping(), podman.images.promises.list()]);
    for (const result of results) {
      const error = result.reason;
      console.log(result.status, error instanceof ConnectionError, error?.reason, error?.message);
    }
    await podman.close();
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    // Import permission for the module graph only: no --allow-read, no --allow-net.
    args: ["run", "--no-prompt", "--no-lock", `--allow-import`, "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    cwd: new URL("../..", import.meta.url).pathname,
  }).spawn();
  const writer = output.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const { code, stdout, stderr } = await output.output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const lines = text.trim().split("\n");
  assert.equal(lines.length, 2, text);
  for (const line of lines) {
    assert.match(
      line,
      /^rejected true unreachable Cannot .*: cannot reach Podman at unix:\/\/\/nonexistent\/podrx\.sock: Requires read access/,
    );
  }
});
