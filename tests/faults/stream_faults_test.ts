// Malformed, broken and error-carrying bodies in the streaming operations, from a fake server.
import assert from "node:assert/strict";
import { lastValueFrom, toArray } from "rxjs";
import { APIError, PodmanError, type PullEvent, type PushEvent } from "../../mod.ts";
import { startFakePodman } from "../fake/fake_podman.ts";

const ID = "c".repeat(64);
const encoder = new TextEncoder();

/** A body made of these chunks, then either the end or a broken connection. */
function chunked(
  chunks: (string | Uint8Array)[],
  { breakAtEnd = false } = {},
): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const chunk = chunks[index++];
      if (chunk !== undefined) {
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      } else if (breakAtEnd) {
        controller.error(new Error("connection reset by the fake server"));
      } else {
        controller.close();
      }
    },
  });
}

function pullServer(body: () => ReadableStream<Uint8Array> | Response, apiVersion = "4.3.1") {
  return startFakePodman((_request, url) => {
    if (url.pathname.endsWith("/images/pull")) {
      const made = body();
      return made instanceof Response ? made : new Response(made);
    }
    if (url.pathname.endsWith("/json")) {
      return Response.json({ Id: ID, RepoTags: ["localhost/x:latest"] });
    }
    return new Response("unexpected", { status: 500 });
  }, { apiVersion });
}

async function pullEvents(body: () => ReadableStream<Uint8Array> | Response): Promise<PullEvent[]> {
  await using fake = await pullServer(body);
  return await lastValueFrom(fake.client.images.pull("localhost/x").pipe(toArray()));
}

async function pullError(body: () => ReadableStream<Uint8Array> | Response): Promise<unknown> {
  return await pullEvents(body).then(
    (events) => assert.fail(`pull completed with ${JSON.stringify(events)}`),
    (error: unknown) => error,
  );
}

const REPORT = JSON.stringify({ id: ID, images: [ID], stream: "", error: "" }) + "\n";

Deno.test("pull() gives the same events when objects are split across many chunks", async () => {
  const text =
    '{"stream":"Trying to pull localhost/x:latest...\\n"}\n{"stream":"Copying blob 1\\n"}\n' +
    REPORT;
  const oneByte = [...text].map((char) => char);
  const events = await pullEvents(() => chunked(oneByte));
  assert.deepEqual(events.map((event) => event.type), ["status", "status", "pulled"]);
  assert.equal((events[2] as Extract<PullEvent, { type: "pulled" }>).image.id, ID);
});

Deno.test("pull() reads many objects in one chunk, \\r\\n endings and empty lines", async () => {
  const text = '\r\n{"stream":"a\\n"}\r\n\r\n{"stream":"b\\n"}\r\n' + REPORT.replace("\n", "\r\n");
  const events = await pullEvents(() => chunked([text]));
  assert.deepEqual(events.slice(0, 2), [{ type: "status", message: "a" }, {
    type: "status",
    message: "b",
  }]);
  assert.equal(events[2]?.type, "pulled");
});

Deno.test("pull() delivers a 10 MB status line whole", async () => {
  const long = "y".repeat(10 * 1024 * 1024);
  const text = JSON.stringify({ stream: long + "\n" }) + "\n" + REPORT;
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += 1 << 16) pieces.push(text.slice(i, i + (1 << 16)));
  const events = await pullEvents(() => chunked(pieces));
  assert.equal((events[0] as { message: string }).message.length, long.length);
});

Deno.test("pull() survives invalid UTF-8 inside a status line", async () => {
  const bad = new Uint8Array([
    ...encoder.encode('{"stream":"caf'),
    0xff,
    0xfe,
    ...encoder.encode('"}\n'),
  ]);
  const events = await pullEvents(() => chunked([bad, REPORT]));
  assert.equal((events[0] as { message: string }).message, "caf\ufffd\ufffd");
  assert.equal(events[1]?.type, "pulled");
});

Deno.test("pull() fails with a PodmanError on a line that is not JSON", async () => {
  const error = await pullError(() =>
    chunked(['{"stream":"ok\\n"}\n', "<html>proxy error</html>\n", REPORT])
  );
  assert.ok(error instanceof PodmanError && !(error instanceof APIError), String(error));
  assert.equal(
    error.message,
    'Cannot pull image "localhost/x:latest": the server sent a line that is not JSON: <html>proxy error</html>',
  );
});

Deno.test("pull() fails with a PodmanError on a truncated last object", async () => {
  const error = await pullError(() => chunked(['{"stream":"ok\\n"}\n', '{"id":"cccc', ""]));
  assert.ok(error instanceof PodmanError);
  assert.match(
    error.message,
    /^Cannot pull image "localhost\/x:latest": the server sent a line that is not JSON: \{"id":"cccc$/,
  );
});

Deno.test("pull() fails with a PodmanError when the connection breaks mid-body", async () => {
  const error = await pullError(() =>
    chunked(['{"stream":"Copying blob\\n"}\n'], { breakAtEnd: true })
  );
  assert.ok(error instanceof PodmanError && !(error instanceof APIError), String(error));
  assert.match(error.message, /^Cannot pull image "localhost\/x:latest": /);
});

for (
  const [shape, line] of [
    ["error", { error: "initializing source: manifest unknown" }],
    ["errorDetail", { errorDetail: { message: "initializing source: manifest unknown" } }],
    ["both", {
      progressDetail: {},
      errorDetail: { message: "initializing source: manifest unknown" },
      error: "initializing source: manifest unknown",
    }],
  ] as const
) {
  Deno.test(`pull() raises an in-band ${shape} after a 200 as an APIError with the server's message`, async () => {
    const error = await pullError(() =>
      chunked(['{"stream":"Trying to pull\\n"}\n', JSON.stringify(line) + "\n"])
    );
    assert.ok(error instanceof APIError, String(error));
    assert.equal(error.inStream, true);
    assert.equal(error.status, 200);
    assert.equal(error.explanation, "initializing source: manifest unknown");
    assert.equal(
      error.message,
      'Cannot pull image "localhost/x:latest": initializing source: manifest unknown',
    );
  });
}

Deno.test("pull() that ends without naming an image is an error, never an empty image", async () => {
  const error = await pullError(() => chunked(['{"stream":"Trying to pull\\n"}\n']));
  assert.ok(error instanceof APIError, String(error));
  assert.match(error.message, /without naming an image/);
});

Deno.test("pull() maps a plain-text 500 and a libpod 4xx body to APIError", async () => {
  const plain = await pullError(() => new Response("internal failure\n", { status: 500 }));
  assert.ok(plain instanceof APIError);
  assert.equal(plain.message, 'Cannot pull image "localhost/x:latest": internal failure (500)');
  const libpod = await pullError(() =>
    Response.json({ cause: "bad", message: "policy nope is not valid", response: 400 }, {
      status: 400,
    })
  );
  assert.ok(libpod instanceof APIError);
  assert.equal(libpod.status, 400);
  assert.equal(libpod.serverCause, "bad");
  assert.equal(
    libpod.message,
    'Cannot pull image "localhost/x:latest": policy nope is not valid (400)',
  );
});

async function pushWith(body: () => ReadableStream<Uint8Array>): Promise<PushEvent[]> {
  await using fake = await startFakePodman(() => new Response(body()), { apiVersion: "5.4.2" });
  return await lastValueFrom(fake.client.images.push("127.0.0.1:5000/x:1").pipe(toArray()));
}

Deno.test("push() on Podman 5 streams status lines and ends with the manifest digest", async () => {
  const digest = `sha256:${"d".repeat(64)}`;
  const events = await pushWith(() =>
    chunked([
      '{"stream":"Copying blob 1\\n"}\n',
      '{"stream":"Writing manifest\\n"}\n',
      `{"manifestdigest":"${digest}"}\n`,
    ])
  );
  assert.deepEqual(events, [
    { type: "status", message: "Copying blob 1" },
    { type: "status", message: "Writing manifest" },
    { type: "pushed", destination: "127.0.0.1:5000/x:1", digest },
  ]);
});

Deno.test("push() raises an in-band error after a 200 as an APIError", async () => {
  const error = await pushWith(() =>
    chunked([
      '{"stream":"Copying blob 1\\n"}\n',
      '{"error":"unauthorized: authentication required"}\n',
    ])
  ).catch((e: unknown) => e);
  assert.ok(error instanceof APIError, String(error));
  assert.equal(error.inStream, true);
  assert.equal(
    error.message,
    'Cannot push image "127.0.0.1:5000/x:1": unauthorized: authentication required',
  );
});

Deno.test("push() fails with a PodmanError when the connection breaks mid-body", async () => {
  const error = await pushWith(() =>
    chunked(['{"stream":"Copying blob 1\\n"}\n'], { breakAtEnd: true })
  )
    .catch((e: unknown) => e);
  assert.ok(error instanceof PodmanError && !(error instanceof APIError), String(error));
  assert.match(error.message, /^Cannot push image "127\.0\.0\.1:5000\/x:1": /);
});
