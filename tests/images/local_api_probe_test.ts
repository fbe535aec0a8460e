/**
 * The probe behind load's and build's local paths, on what a real service cannot be made to
 * do on cue: a probe request that breaks off, hangs, or answers oddly; a probe file that
 * cannot be written; a caller that leaves mid-probe. A fake requester stands for the client:
 * it answers the probe as the test says, after reading the probe file as a service would.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ApiRequest } from "../../src/client/api_request.ts";
import type { ConnectionKind, Requester } from "../../src/client/requester.ts";
import { APIError, ConnectionError, PodmanError } from "../../src/errors.ts";
import { useLocalApi } from "../../src/images/operations/_local_api.ts";

/** What the fake service does with a probe: it gets the probe file's bytes (if it sees them). */
type Answer = (probe: Uint8Array, request: ApiRequest) => Promise<Response>;

class FakeRequester implements Requester {
  probes: string[] = [];
  constructor(
    readonly answer: Answer,
    readonly kind: ConnectionKind = "unix",
    readonly version = "5.8.6",
  ) {}
  async request(request: ApiRequest): Promise<Response> {
    const path = String(request.query?.path);
    this.probes.push(path);
    return await this.answer(await Deno.readFile(path), request);
  }
  apiVersion(): Promise<string> {
    return Promise.resolve(this.version);
  }
  connectionKind(): Promise<ConnectionKind> {
    return Promise.resolve(this.kind);
  }
}

function apiError(request: ApiRequest, status: number, explanation: string): APIError {
  return new APIError(request.action, { status, method: "POST", path: request.path, explanation });
}

/** Answers as Podman does for a file it reads: the load fails naming the missing config. */
const reads: Answer = (probe, request) => {
  const config = /"Config":"([^"]+)"/.exec(new TextDecoder().decode(probe))![1];
  return Promise.reject(
    apiError(
      request,
      500,
      `docker-archive: loading tar component "${config}": file does not exist`,
    ),
  );
};

/** Answers as Podman does for a path it does not see. */
const doesNotSee: Answer = (_probe, request) =>
  Promise.reject(apiError(request, 404, `file does not exist: "${request.query?.path}"`));

async function probeFilesIn(dir: string): Promise<string[]> {
  const left: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".podrx-probe-")) left.push(entry.name);
  }
  return left;
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-probe-test-" });
  try {
    await run(await Deno.realPath(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const ACTION = "Cannot load images";
const signal = new AbortController().signal;

Deno.test("useLocalApi() says yes when the service's error names the probe's random content", async () => {
  await withDir(async (dir) => {
    const requester = new FakeRequester(reads);
    assert.equal(await useLocalApi(requester, "auto", [dir], ACTION, signal), true);
    assert.equal(await useLocalApi(requester, "local", [dir], ACTION, signal), true);
    assert.equal(requester.probes.length, 1, "the answer is kept for the client");
    assert.match(requester.probes[0]!, new RegExp(`^${dir}/\\.podrx-probe-[0-9a-f-]+\\.tar$`));
    assert.deepEqual(await probeFilesIn(dir), []);
  });
});

Deno.test("useLocalApi() says no when the service names some other file: it read another one", async () => {
  await withDir(async (dir) => {
    // A service that sees a file at the same path, but not this one (say, an old copy).
    const requester = new FakeRequester((_probe, request) =>
      Promise.reject(
        apiError(request, 500, 'docker-archive: loading tar component "other.json": not there'),
      )
    );
    assert.equal(await useLocalApi(requester, "auto", [dir], ACTION, signal), false);
    await assert.rejects(useLocalApi(requester, "local", [dir], ACTION, signal), {
      name: "PodmanError",
      message:
        /^Cannot load images: via "local": the service cannot read it in place: the probe failed: Cannot probe ".*": docker-archive: .*other\.json.*\(500\)$/,
    });
    assert.equal(requester.probes.length, 2, "an unclear answer is not kept");
    assert.deepEqual(await probeFilesIn(dir), []);
  });
});

Deno.test("useLocalApi() keeps a 404 (the service does not see the directory) for the client", async () => {
  await withDir(async (dir) => {
    const requester = new FakeRequester(doesNotSee);
    assert.equal(await useLocalApi(requester, "auto", [dir], ACTION, signal), false);
    await assert.rejects(useLocalApi(requester, "local", [dir], ACTION, signal), {
      name: "PodmanError",
      message: `Cannot load images: via "local": the service cannot read it in place: it does ` +
        `not see "${dir}" (it runs on another machine, in a container or in another mount namespace)`,
    });
    assert.equal(requester.probes.length, 1);
    // Another client probes for itself.
    const other = new FakeRequester(reads);
    assert.equal(await useLocalApi(other, "auto", [dir], ACTION, signal), true);
    assert.deepEqual(await probeFilesIn(dir), []);
  });
});

Deno.test("useLocalApi() falls back to the upload when the probe request breaks off, and probes again next time", async () => {
  await withDir(async (dir) => {
    let calls = 0;
    const requester = new FakeRequester((probe, request) => {
      calls++;
      if (calls === 1) {
        return Promise.reject(
          new ConnectionError(`${request.action}: the connection was reset`, { reason: "broken" }),
        );
      }
      return reads(probe, request);
    });
    assert.equal(await useLocalApi(requester, "auto", [dir], ACTION, signal), false);
    assert.deepEqual(await probeFilesIn(dir), [], "removed after the failure");
    assert.equal(await useLocalApi(requester, "auto", [dir], ACTION, signal), true);
    assert.equal(calls, 2);
  });
});

Deno.test("useLocalApi() says no when the probe load succeeds (it cannot; something else answered)", async () => {
  await withDir(async (dir) => {
    const requester = new FakeRequester(() =>
      Promise.resolve(new Response('{"Names":["x"]}', { status: 200 }))
    );
    assert.equal(await useLocalApi(requester, "auto", [dir], ACTION, signal), false);
    assert.deepEqual(await probeFilesIn(dir), []);
  });
});

Deno.test("useLocalApi() falls back when the probe file cannot be written, without asking the service", async () => {
  const requester = new FakeRequester(reads);
  const missing = `/tmp/podrx-no-such-dir-${crypto.randomUUID()}`;
  assert.equal(await useLocalApi(requester, "auto", [missing], ACTION, signal), false);
  await assert.rejects(useLocalApi(requester, "local", [missing], ACTION, signal), {
    name: "PodmanError",
    message: new RegExp(
      `the service cannot read it in place: cannot write a probe file in "${missing}": `,
    ),
  });
  assert.deepEqual(requester.probes, []);
});

Deno.test("useLocalApi() never probes over TCP, SSH or a given transport, nor before Podman 5.7", async () => {
  await withDir(async (dir) => {
    const cases: [FakeRequester, string][] = [
      [new FakeRequester(reads, "tcp"), "the client reaches it over TCP"],
      [new FakeRequester(reads, "ssh"), "the client reaches it over SSH"],
      [
        new FakeRequester(reads, "transport"),
        "the client reaches it through a transport given in the options",
      ],
      [
        new FakeRequester(reads, "unix", "5.6.2"),
        "Podman 5.6.2 has no local endpoints (they came with 5.7)",
      ],
    ];
    for (const [requester, why] of cases) {
      assert.equal(await useLocalApi(requester, "auto", [dir], ACTION, signal), false);
      await assert.rejects(useLocalApi(requester, "local", [dir], ACTION, signal), {
        name: "PodmanError",
        message: `Cannot load images: via "local": the service cannot read it in place: ${why}`,
      });
      assert.deepEqual(requester.probes, [], why);
    }
    // A requester that cannot tell how it reaches the service counts as a given transport.
    const plain: Requester = {
      request: () => Promise.reject(new Error("no request expected")),
      apiVersion: () => Promise.resolve("5.8.6"),
    };
    assert.equal(await useLocalApi(plain, "auto", [dir], ACTION, signal), false);
    assert.equal(
      await useLocalApi(new FakeRequester(reads), "upload", [dir], ACTION, signal),
      false,
    );
  });
});

Deno.test("useLocalApi() shares a running probe, and a caller who leaves does not stop its cleanup", async () => {
  await withDir(async (dir) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    let started!: () => void;
    const sent = new Promise<void>((resolve) => started = resolve);
    const requester = new FakeRequester(async (probe, request) => {
      started();
      await held;
      return await reads(probe, request);
    });
    const leaving = new AbortController();
    const first = useLocalApi(requester, "auto", [dir], ACTION, leaving.signal);
    const second = useLocalApi(requester, "auto", [dir], ACTION, signal);
    await sent;
    assert.equal((await probeFilesIn(dir)).length, 1, "the probe file is there while it runs");
    leaving.abort(new PodmanError("left"));
    await assert.rejects(first, { message: "left" });
    release();
    assert.equal(await second, true);
    assert.equal(requester.probes.length, 1, "both waited on one probe");
    assert.deepEqual(await probeFilesIn(dir), []);
  });
});

Deno.test({
  name: "useLocalApi() writes no probe (nor asks to) without write permission for the directory",
  permissions: { read: true, write: false },
  async fn() {
    const requester = new FakeRequester(reads);
    assert.equal(await useLocalApi(requester, "auto", ["/tmp"], ACTION, signal), false);
    await assert.rejects(useLocalApi(requester, "local", ["/tmp"], ACTION, signal), {
      name: "PodmanError",
      message:
        /cannot read it in place: podrx may not write a probe file in "\/tmp" \(no --allow-write for it\)$/,
    });
    assert.deepEqual(requester.probes, []);
  },
});
