// readManifest() against fake registries (plain HTTP, so tlsVerify: false): the bed's registries speak basic auth only, so the
// token flow (Docker's and OAuth2's) and a redirect to another origin are shown here.
import assert from "node:assert/strict";
import { APIError } from "../../mod.ts";
import { parseChallenge } from "../../src/registry/_challenge.ts";
import { readManifest } from "../../src/registry/read_manifest.ts";

const USER = "alice";
const PASSWORD = `pw-${crypto.randomUUID()}`;
const REFRESH = `refresh-${crypto.randomUUID()}`;
const TOKEN = `token-${crypto.randomUUID()}`;
const CONFIG = JSON.stringify({ os: "linux", architecture: "arm", variant: "v7", rootfs: {} });
const CONFIG_DIGEST = `sha256:${"c".repeat(64)}`;
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: CONFIG_DIGEST },
  layers: [],
});

async function sha256(text: string): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return `sha256:${Array.from(hash, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

interface Seen {
  method: string;
  path: string;
  authorization: string | null;
}

/** A token-auth registry whose config blob lives on another origin (as on a CDN). */
function fakeRegistries() {
  const registrySeen: Seen[] = [];
  const storageSeen: Seen[] = [];
  const storage = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    storageSeen.push({
      method: request.method,
      path: url.pathname,
      authorization: request.headers.get("authorization"),
    });
    return new Response(CONFIG);
  });
  const storageOrigin = `http://127.0.0.1:${storage.addr.port}`;
  const registry = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      const authorization = request.headers.get("authorization");
      registrySeen.push({ method: request.method, path: url.pathname, authorization });
      if (url.pathname === "/token") {
        const basic = `Basic ${btoa(`${USER}:${PASSWORD}`)}`;
        if (request.method === "POST") {
          const form = new URLSearchParams(await request.text());
          return form.get("grant_type") === "refresh_token" && form.get("refresh_token") === REFRESH
            ? Response.json({ access_token: TOKEN })
            : Response.json({
              errors: [{ message: `bad refresh token ${form.get("refresh_token")}` }],
            }, {
              status: 401,
            });
        }
        if (authorization !== basic || url.searchParams.get("service") !== "fake") {
          return Response.json({
            errors: [{ code: "DENIED", message: `invalid credentials: ${authorization}` }],
          }, {
            status: 401,
          });
        }
        return Response.json({ token: TOKEN });
      }
      if (authorization !== `Bearer ${TOKEN}`) {
        return Response.json({ errors: [{ code: "UNAUTHORIZED", message: "token needed" }] }, {
          status: 401,
          headers: {
            "www-authenticate": `Bearer realm="http://${request.headers.get("host")}/token",` +
              `service="fake",scope="repository:team/app:pull"`,
          },
        });
      }
      if (url.pathname === "/v2/team/app/manifests/1") {
        return new Response(MANIFEST, {
          headers: {
            "content-type": "application/vnd.oci.image.manifest.v1+json",
            "docker-content-digest": await sha256(MANIFEST),
          },
        });
      }
      if (url.pathname === `/v2/team/app/blobs/${CONFIG_DIGEST}`) {
        return Response.redirect(`${storageOrigin}/blob?signed=1`, 307);
      }
      return Response.json(
        { errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] },
        {
          status: 404,
        },
      );
    },
  );
  return {
    host: `127.0.0.1:${registry.addr.port}`,
    registrySeen,
    storageSeen,
    async [Symbol.asyncDispose]() {
      await registry.shutdown();
      await storage.shutdown();
    },
  };
}

const target = { repository: "team/app", reference: "1" };
const action = 'Cannot read registry data of "x"';

Deno.test("readManifest() gets a bearer token with basic credentials and never sends them elsewhere", async () => {
  await using fake = fakeRegistries();
  const manifest = await readManifest({ ...target, registry: fake.host }, {
    tlsVerify: false,
    credentials: { username: USER, password: PASSWORD },
    signal: new AbortController().signal,
    action,
  });

  assert.equal(manifest.digest, await sha256(MANIFEST));
  assert.equal(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json");
  assert.deepEqual(manifest.platforms, [{ os: "linux", architecture: "arm", variant: "v7" }]);
  assert.equal(manifest.url, `http://${fake.host}/v2/team/app/manifests/1`);
  // The redirect to the storage origin carried neither the token nor the password.
  assert.deepEqual(fake.storageSeen, [{ method: "GET", path: "/blob", authorization: null }]);
  // The first request carried no credentials; the token was asked for once.
  assert.equal(fake.registrySeen[0]?.authorization, null);
  assert.equal(fake.registrySeen.filter((seen) => seen.path === "/token").length, 1);
});

Deno.test("readManifest() exchanges an identity token (OAuth2 refresh grant)", async () => {
  await using fake = fakeRegistries();
  const manifest = await readManifest({ ...target, registry: fake.host }, {
    tlsVerify: false,
    credentials: { identityToken: REFRESH },
    signal: new AbortController().signal,
    action,
  });
  assert.equal(manifest.digest, await sha256(MANIFEST));
  assert.ok(fake.registrySeen.some((seen) => seen.method === "POST" && seen.path === "/token"));
});

Deno.test("readManifest() reports a refused token without the password or the token", async () => {
  await using fake = fakeRegistries();
  for (const credentials of [{ username: USER, password: "wrong" }, { identityToken: "nope" }]) {
    const error = await readManifest({ ...target, registry: fake.host }, {
      tlsVerify: false,
      credentials,
      signal: new AbortController().signal,
      action,
    }).catch((error: unknown) => error);
    assert.ok(error instanceof APIError, String(error));
    assert.equal(error.status, 401);
    assert.ok(error.message.startsWith(`${action}: the token service: `), error.message);
    const exposed = `${error.message} ${error.explanation} ${JSON.stringify(error)}`;
    // The fake echoes what it was sent, as a careless token service might.
    for (const secret of [PASSWORD, REFRESH, TOKEN, "wrong", "nope", btoa(`${USER}:wrong`)]) {
      assert.ok(!exposed.includes(secret), exposed);
    }
  }
});

Deno.test("parseChallenge() reads Bearer and Basic challenges, quoted commas included", () => {
  assert.deepEqual(
    parseChallenge(
      'Bearer realm="https://auth.example/token",service="registry.example",' +
        'scope="repository:a/b:pull,push"',
    ),
    {
      scheme: "bearer",
      params: {
        realm: "https://auth.example/token",
        service: "registry.example",
        scope: "repository:a/b:pull,push",
      },
    },
  );
  assert.deepEqual(parseChallenge('Basic realm="podrx-test"'), {
    scheme: "basic",
    params: { realm: "podrx-test" },
  });
  assert.deepEqual(parseChallenge("Bearer realm=x, error=insufficient_scope"), {
    scheme: "bearer",
    params: { realm: "x", error: "insufficient_scope" },
  });
  assert.equal(parseChallenge(null), undefined);
  assert.equal(parseChallenge(""), undefined);
});
