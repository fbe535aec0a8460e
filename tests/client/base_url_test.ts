// Every base URL form Podman's own CLI accepts connects; every other form fails with a
// RangeError that says why, in baseUrl, in CONTAINER_HOST and in a named connection. Each
// form is also given to the bed's own `podman --url`, so the test shows that podrx and the
// Podman it runs against (4.3 or 5.4) agree.
import assert from "node:assert/strict";
import { firstValueFrom } from "rxjs";
import { PodmanClient, PodmanError } from "../../mod.ts";
import { podmanProgram, testBed } from "../bed/env.ts";
import { withConfigHome } from "./_config_home.ts";

const bed = testBed();
const socket = bed.socketPath;

/** Forms of the bed's socket that Podman accepts, and what each shows. */
const PODMAN_FORMS: readonly string[] = [
  `unix://${socket}`, // unix:///abs
  `unix:${socket}`, // unix:/abs
  `unix:/${socket}`, // unix://tmp/...: Podman takes the host as the first directory
  `unix:///${socket}`, // unix:////abs
  `unix://${socket}?ignored=1#ignored`,
  `UNIX://${socket}`,
  `unix://${socket.replace(".sock", "%2Esock")}`,
];

/** podman-py's forms, which podrx accepts too (Podman's CLI does not). */
const PODMAN_PY_FORMS: readonly string[] = [
  `http+unix://${socket}`,
  `http+unix://${encodeURIComponent(socket)}`,
];

const NOT_ABSOLUTE = (url: string) =>
  `Cannot connect to Podman: the socket path in "${url}" must be absolute ` +
  "(unix:///path/to/podman.sock)";

/** Forms Podman's CLI cannot connect with, and podrx's message for each. */
const REJECTED: readonly [string, string][] = [
  ["unix://relative.sock", NOT_ABSOLUTE("unix://relative.sock")],
  ["unix:relative.sock", NOT_ABSOLUTE("unix:relative.sock")],
  ["unix:run/podman.sock", NOT_ABSOLUTE("unix:run/podman.sock")],
  ["unix://", 'Cannot connect to Podman: "unix://" has no socket path'],
  ["unix:", 'Cannot connect to Podman: "unix:" has no socket path'],
  [socket, `Cannot connect to Podman: "${socket}" has no scheme; use "unix://${socket}"`],
  [
    "tcp:127.0.0.1:8080",
    'Cannot connect to Podman: "tcp:127.0.0.1:8080" needs a host and a port (tcp://host:port)',
  ],
  [
    "tcp://127.0.0.1",
    'Cannot connect to Podman: "tcp://127.0.0.1" needs a host and a port (tcp://host:port)',
  ],
  [
    "npipe:////./pipe/podman",
    'Cannot connect to Podman: unsupported URL scheme "npipe:" in "npipe:////./pipe/podman" ' +
    "(use unix://, tcp://, http:// or ssh://)",
  ],
];

/** Whether the bed's Podman CLI reaches the service at `url` (`podman --url URL version`). */
async function podmanConnects(url: string): Promise<boolean> {
  const output = await new Deno.Command(podmanProgram(), {
    args: ["--url", url, "version", "--format", "{{.Server.Version}}"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  return output.success;
}

async function pings(options: ConstructorParameters<typeof PodmanClient>[0]): Promise<boolean> {
  await using podman = new PodmanClient(options);
  return await firstValueFrom(podman.ping());
}

Deno.test("PodmanClient connects with every Unix URL form Podman's --url accepts", async () => {
  for (const url of PODMAN_FORMS) {
    assert.equal(await podmanConnects(url), true, `podman --url ${url} does not connect`);
    assert.equal(await pings({ baseUrl: url }), true, url);
  }
  for (const url of PODMAN_PY_FORMS) assert.equal(await pings({ baseUrl: url }), true, url);
});

Deno.test("PodmanClient discovery connects with every Unix URL form in CONTAINER_HOST", async () => {
  await withConfigHome(async () => {
    for (const url of [...PODMAN_FORMS, ...PODMAN_PY_FORMS]) {
      Deno.env.set("CONTAINER_HOST", url);
      assert.equal(await pings({}), true, url);
    }
  });
});

Deno.test("PodmanClient({ connection }) connects with every Unix URL form", async () => {
  await withConfigHome(async (home) => {
    const forms = [...PODMAN_FORMS, ...PODMAN_PY_FORMS];
    await home.writeJson({
      Connection: {
        Connections: Object.fromEntries(forms.map((url, index) => [`c${index}`, { URI: url }])),
      },
    });
    for (const [index, url] of forms.entries()) {
      assert.equal(await pings({ connection: `c${index}` }), true, url);
    }
  });
});

Deno.test("PodmanClient rejects the URL forms Podman cannot connect with, saying why", async () => {
  for (const [url, message] of REJECTED) {
    assert.equal(await podmanConnects(url), false, `podman --url ${url} connects`);
    assert.throws(
      () => new PodmanClient({ baseUrl: url }),
      (error) => error instanceof RangeError && error.message === message,
      url,
    );
  }
});

Deno.test("PodmanClient discovery lists a malformed CONTAINER_HOST with the reason", async () => {
  await withConfigHome(async () => {
    Deno.env.set("CONTAINER_HOST", "unix://relative.sock");
    await using podman = new PodmanClient();
    const error = await firstValueFrom(podman.ping()).catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError, String(error));
    const reason = NOT_ABSOLUTE("unix://relative.sock").replace("Cannot connect to Podman: ", "");
    assert.ok(
      error.message.includes(`looked at unix://relative.sock (CONTAINER_HOST): ${reason}; `),
      error.message,
    );
  });
});

Deno.test("PodmanClient({ connection }) with a relative socket path fails saying so", async () => {
  await withConfigHome(async (home) => {
    const path = await home.writeJson({
      Connection: { Connections: { rel: { URI: "unix:podman.sock" } } },
    });
    await using podman = new PodmanClient({ connection: "rel" });
    const error = await firstValueFrom(podman.ping()).catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError, String(error));
    assert.equal(
      error.message,
      `Cannot ping Podman: connection "rel" in ${path}: ` +
        NOT_ABSOLUTE("unix:podman.sock").replace("Cannot connect to Podman: ", ""),
    );
  });
});
