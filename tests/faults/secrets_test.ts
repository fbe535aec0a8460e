// deno-lint-ignore-file no-console -- the test replaces console methods to capture what the library logs
// Every operation that takes authConfig, driven into failure: the password and the encoded
// X-Registry-Auth header must appear in no error message, cause, stack or log line.
import assert from "node:assert/strict";
import { lastValueFrom, type Observable, toArray } from "rxjs";
import { type AuthConfig, PodmanClient, PodmanError } from "../../mod.ts";
import { encodeRegistryAuth } from "../../src/vocabulary/registry_auth.ts";
import { testBed } from "../bed/env.ts";
import { startFakePodman } from "../fake/fake_podman.ts";
import { importImage, uniqueName } from "../images/_fixtures.ts";

const bed = testBed();
const ID = "7a3c5b0e1d2f4a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d";

/** Everything an error exposes: message, string form, stack, own fields, the whole cause chain. */
function exposedText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, String(current), current.stack ?? "");
      parts.push(JSON.stringify(Object.fromEntries(Object.entries(current))));
      current = current.cause;
    } else {
      parts.push(String(current), JSON.stringify(current) ?? "");
      break;
    }
  }
  return parts.join("\n");
}

/** Runs an operation to failure while capturing everything written to the console. */
async function failureWithLogs(
  run: () => Promise<unknown>,
): Promise<{ error: unknown; logs: string }> {
  const logs: string[] = [];
  const methods = ["log", "error", "warn", "info", "debug"] as const;
  const saved = methods.map((name) => console[name]);
  for (const name of methods) {
    console[name] = (...args: unknown[]) => logs.push(args.map(String).join(" "));
  }
  try {
    const error = await run().then(
      () => assert.fail("the operation succeeded with wrong credentials"),
      (error: unknown) => error,
    );
    return { error, logs: logs.join("\n") };
  } finally {
    methods.forEach((name, i) => (console[name] = saved[i]!));
  }
}

Deno.test("no operation taking authConfig leaks the password or the auth header", async () => {
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const password = `s3cret-${crypto.randomUUID()}`;
  const authConfig: AuthConfig = { username: bed.authUser, password };
  const repository = `${bed.authRegistry}/podrx/${uniqueName("secret")}`;
  // Every operation here names the same registry, so every one sends this header.
  const header = encodeRegistryAuth(authConfig, repository).headers["X-Registry-Auth"]!;
  await importImage(`${repository}:1`);
  const all = (operation: Observable<unknown>) => () => lastValueFrom(operation.pipe(toArray()));
  const operations: [string, () => Promise<unknown>][] = [
    ["pull", all(podman.images.pull(`${repository}:1`, { tlsVerify: false, authConfig }))],
    ["push", all(podman.images.push(`${repository}:1`, { tlsVerify: false, authConfig }))],
    [
      "search",
      all(podman.images.search(repository, { tlsVerify: false, listTags: true, authConfig })),
    ],
    [
      "getRegistryData",
      all(podman.images.getRegistryData(`${repository}:missing`, { tlsVerify: false, authConfig })),
    ],
    [
      "promises.pull",
      () => podman.images.promises.pull(`${repository}:1`, { tlsVerify: false, authConfig }),
    ],
    [
      "promises.push",
      () => podman.images.promises.push(`${repository}:1`, { tlsVerify: false, authConfig }),
    ],
  ];
  let checked = 0;
  for (const [name, run] of operations) {
    const { error, logs } = await failureWithLogs(run);
    assert.ok(error instanceof PodmanError, `${name}: ${error}`);
    const text = exposedText(error) + "\n" + logs;
    for (const secret of [password, header, btoa(`${bed.authUser}:${password}`)]) {
      assert.ok(!text.includes(secret), `${name} exposed a secret in: ${text.slice(0, 500)}`);
    }
    checked++;
  }
  assert.equal(checked, operations.length);
});

Deno.test("a server that echoes the credentials back has them redacted from the error", async () => {
  const password = `echo-${crypto.randomUUID()}`;
  const { startFakePodman } = await import("../fake/fake_podman.ts");
  await using fake = await startFakePodman((request, url) => {
    const header = request.headers.get("X-Registry-Auth") ?? "";
    const echoed = `bad credentials ${password} in ${header}`;
    if (url.pathname.endsWith("/images/pull")) {
      return new Response(JSON.stringify({ error: echoed }) + "\n");
    }
    return Response.json({ message: echoed, cause: echoed, response: 401 }, { status: 401 });
  });
  const authConfig = { username: "u", password };
  const header = encodeRegistryAuth(authConfig, "127.0.0.1:1/x").headers["X-Registry-Auth"]!;
  for (
    const run of [
      () => lastValueFrom(fake.client.images.pull("127.0.0.1:1/x", { authConfig })),
      () => lastValueFrom(fake.client.images.push("127.0.0.1:1/x", { authConfig })),
      () => lastValueFrom(fake.client.images.search("127.0.0.1:1/x", { authConfig })),
    ]
  ) {
    const { error } = await failureWithLogs(run);
    assert.ok(error instanceof PodmanError, String(error));
    const text = exposedText(error);
    assert.ok(text.includes("bad credentials [redacted] in [redacted]"), text.slice(0, 300));
    assert.ok(!text.includes(password) && !text.includes(header));
  }
});

Deno.test("a server that echoes the credentials in status lines has them redacted from every event", async () => {
  const password = `echo-${crypto.randomUUID()}`;
  const authConfig = { username: "u", password };
  const reference = "127.0.0.1:1/x:1";
  const header = encodeRegistryAuth(authConfig, reference).headers["X-Registry-Auth"]!;
  // API 5: push streams its status lines, as pull does.
  await using fake = await startFakePodman((request, url) => {
    const echoed = `auth ${request.headers.get("X-Registry-Auth")} password ${password}`;
    const lines = (...values: unknown[]) =>
      new Response(values.map((value) => JSON.stringify(value) + "\n").join(""));
    if (url.pathname.endsWith("/images/pull")) {
      return lines(
        { stream: `${echoed}\n` },
        { status: echoed, id: "latest" },
        { status: "Downloading", progressDetail: { current: 1, total: 2 }, id: "a3ed95caeb02" },
        { id: ID, images: [ID] },
      );
    }
    if (url.pathname.endsWith("/push")) {
      return lines({ stream: `${echoed}\n` }, { manifestdigest: `sha256:${ID}` });
    }
    return Response.json({ Id: ID, RepoTags: [] });
  }, { apiVersion: "5.4.2" });
  const options = { authConfig, tlsVerify: false };

  const seen: unknown[] = [
    ...await lastValueFrom(fake.client.images.pull(reference, options).pipe(toArray())),
    ...await lastValueFrom(fake.client.images.push(reference, options).pipe(toArray())),
  ];
  const progressed: unknown[] = [];
  const onProgress = (event: unknown) => progressed.push(event);
  await fake.client.images.promises.pull(reference, { ...options, onProgress });
  await fake.client.images.promises.push(reference, { ...options, onProgress });

  for (const events of [seen, progressed]) {
    const text = JSON.stringify(events);
    // Both status lines of the pull and the push's arrived, each redacted.
    assert.equal(text.split("auth [redacted] password [redacted]").length - 1, 3, text);
    assert.ok(!text.includes(password) && !text.includes(header), text);
  }
});
