import { strictEqual as assertEquals } from "node:assert/strict";
import { podmanCli, testBed } from "./env.ts";

// The bed is Debian bookworm's Podman; its API version is pinned like the rest of the bed.
const LIBPOD = "http://libpod/v4.3.1/libpod";

Deno.test("test bed: the Podman socket answers /_ping", async () => {
  const body = await libpodText("http://libpod/_ping", 200);
  assertEquals(body, "OK");
});

Deno.test("test bed: the open registry answers /v2/ without credentials", async () => {
  const response = await fetch(`http://${testBed().registry}/v2/`);
  await response.body?.cancel();
  assertEquals(response.status, 200);
});

Deno.test("test bed: the auth registry answers /v2/ with 401, then 200 with basic auth", async () => {
  const bed = testBed();
  const anonymous = await fetch(`http://${bed.authRegistry}/v2/`);
  await anonymous.body?.cancel();
  assertEquals(anonymous.status, 401);
  assertEquals(anonymous.headers.get("www-authenticate")?.startsWith("Basic "), true);

  const authorized = await fetch(`http://${bed.authRegistry}/v2/`, {
    headers: { authorization: `Basic ${btoa(`${bed.authUser}:${bed.authPassword}`)}` },
  });
  await authorized.body?.cancel();
  assertEquals(authorized.status, 200);
});

Deno.test("test bed: the seeded images exist in the service's storage", async () => {
  const bed = testBed();
  for (const name of [bed.busyboxImage, bed.labeledImage]) {
    await libpodText(`${LIBPOD}/images/${name}/exists`, 204);
  }
  const inspect = JSON.parse(await libpodText(`${LIBPOD}/images/${bed.labeledImage}/json`, 200));
  assertEquals(inspect.Labels?.["podrx.test"], "seed");
});

Deno.test("test bed: podmanCli() works on the same storage as the service", async () => {
  const bed = testBed();
  const result = await podmanCli(["image", "exists", bed.busyboxImage]);
  assertEquals(result.code, 0, result.stderr);
});

async function libpodText(url: string, expectedStatus: number): Promise<string> {
  const client = Deno.createHttpClient({
    proxy: { transport: "unix", path: testBed().socketPath },
  });
  try {
    const response = await fetch(url, { client });
    const text = await response.text();
    assertEquals(response.status, expectedStatus, `GET ${url}: ${text}`);
    return text;
  } finally {
    client.close();
  }
}
