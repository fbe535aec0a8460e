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

Deno.test("test bed: the token registry's challenge names its token service, whose token it takes", async () => {
  const bed = testBed();
  const anonymous = await fetch(`http://${bed.tokenRegistry}/v2/`);
  await anonymous.body?.cancel();
  assertEquals(anonymous.status, 401);
  const challenge = anonymous.headers.get("www-authenticate") ?? "";
  const realm = challenge.match(/realm="([^"]+)"/)?.[1];
  const service = challenge.match(/service="([^"]+)"/)?.[1];
  assertEquals(challenge.startsWith("Bearer "), true, challenge);
  assertEquals(typeof realm === "string" && typeof service === "string", true, challenge);

  const url = `${realm}?service=${encodeURIComponent(service!)}`;
  const basic = (password: string) => ({
    authorization: `Basic ${btoa(`${bed.tokenUser}:${password}`)}`,
  });
  const refused = await fetch(url, { headers: basic(`${bed.tokenPassword}x`) });
  await refused.body?.cancel();
  assertEquals(refused.status, 401);

  const { token } = await (await fetch(url, { headers: basic(bed.tokenPassword) })).json();
  const authorized = await fetch(`http://${bed.tokenRegistry}/v2/`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await authorized.body?.cancel();
  assertEquals(authorized.status, 200);

  // The OAuth2 refresh grant with the identity token gives a token the registry takes too.
  const refreshed = await fetch(realm!, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: bed.tokenIdentityToken,
      service: service!,
      client_id: "podrx-test",
    }),
  });
  const { access_token: accessToken } = await refreshed.json();
  const again = await fetch(`http://${bed.tokenRegistry}/v2/`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await again.body?.cancel();
  assertEquals(again.status, 200);
});

Deno.test("test bed: Podman pushes to and pulls from the token registry", async () => {
  const bed = testBed();
  const image = `${bed.tokenRegistry}/podrx/bed-check:1`;
  const creds = `--creds=${bed.tokenUser}:${bed.tokenPassword}`;
  const tagged = await podmanCli(["tag", bed.busyboxImage, image]);
  assertEquals(tagged.code, 0, tagged.stderr);
  try {
    const pushed = await podmanCli(["push", creds, image]);
    assertEquals(pushed.code, 0, pushed.stderr);
    const removed = await podmanCli(["rmi", image]);
    assertEquals(removed.code, 0, removed.stderr);
    const anonymous = await podmanCli(["pull", "-q", image]);
    assertEquals(anonymous.code === 0, false, "pulled without credentials");
    const pulled = await podmanCli(["pull", "-q", creds, image]);
    assertEquals(pulled.code, 0, pulled.stderr);
  } finally {
    await podmanCli(["rmi", "--ignore", image]);
  }
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
