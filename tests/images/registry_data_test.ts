// getRegistryData() against the bed's real registries (open and htpasswd), on Podman 4.3.1 or
// (PODRX_PODMAN=5) 5: the digest and platforms are the registry's, checked against what the
// registry itself answers to a plain fetch here.
import assert from "node:assert/strict";
import {
  APIError,
  type Image,
  ImageNotFound,
  NotFound,
  PodmanClient,
  PodmanError,
} from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { importImage, podmanOk, uniqueName } from "./_fixtures.ts";

const bed = testBed();
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

function basicAuth(): Record<string, string> {
  return { authorization: `Basic ${btoa(`${bed.authUser}:${bed.authPassword}`)}` };
}

/** The registry's own answer to `HEAD` of a manifest: its digest and media type. */
async function registryHead(
  reference: string,
  headers: Record<string, string> = {},
): Promise<{ digest: string; mediaType: string; size: number }> {
  const slash = reference.indexOf("/");
  const colon = reference.lastIndexOf(":");
  const url = `http://${reference.slice(0, slash)}/v2/${reference.slice(slash + 1, colon)}` +
    `/manifests/${reference.slice(colon + 1)}`;
  const response = await fetch(url, {
    method: "HEAD",
    headers: { ...headers, accept: [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join() },
  });
  assert.equal(response.status, 200, `HEAD ${url}`);
  return {
    digest: response.headers.get("docker-content-digest") ?? "",
    mediaType: response.headers.get("content-type") ?? "",
    size: Number(response.headers.get("content-length")),
  };
}

async function platformOf(podman: PodmanClient, name: string): Promise<Record<string, string>> {
  const image: Image = await podman.images.promises.get(name);
  return { os: String(image.attrs.Os), architecture: String(image.attrs.Architecture) };
}

Deno.test("getRegistryData() reads an image that is in the registry but not stored locally", async () => {
  await using podman = connect();
  const name = `${bed.registry}/podrx/${uniqueName("remote-only")}:1`;
  await importImage(name);
  const platform = await platformOf(podman, name);
  await podmanOk(["push", "--tls-verify=false", name]);
  await podmanOk(["rmi", name]);
  await assert.rejects(podman.images.promises.get(name), ImageNotFound);

  const data = await podman.images.promises.getRegistryData(name, { tlsVerify: false });

  const head = await registryHead(name);
  assert.equal(data.source, "registry");
  assert.equal(data.id, head.digest);
  assert.equal(data.mediaType, head.mediaType);
  assert.equal(data.isList, false);
  assert.deepEqual(data.platforms, [platform]);
  assert.equal(data.hasPlatform(`${platform.os}/${platform.architecture}`), true);
  assert.equal(data.hasPlatform("windows/arm64"), false);
  assert.deepEqual(data.attrs.Descriptor, {
    mediaType: head.mediaType,
    digest: head.digest,
    size: head.size,
  });
  assert.equal(data.url, `http://${name.replace("/", "/v2/").replace(/:1$/, "/manifests/1")}`);
});

Deno.test("getRegistryData() of an image in both places gives the registry's digest, not the local one", async () => {
  await using podman = connect();
  const repository = `${bed.registry}/podrx/${uniqueName("both")}`;
  await importImage(`${repository}:oci`);
  await podmanOk(["tag", `${repository}:oci`, `${repository}:v2s2`]);
  await podmanOk(["push", "--tls-verify=false", `${repository}:oci`]);
  await podmanOk(["push", "--tls-verify=false", "--format", "v2s2", `${repository}:v2s2`]);
  const local = await podman.images.promises.get(`${repository}:oci`);
  const platform = await platformOf(podman, `${repository}:oci`);

  for (const [tag, mediaType] of [["oci", OCI_MANIFEST], ["v2s2", DOCKER_MANIFEST]] as const) {
    const data = await podman.images.promises.getRegistryData(`${repository}:${tag}`, {
      tlsVerify: false,
    });
    const head = await registryHead(`${repository}:${tag}`);
    assert.equal(head.mediaType, mediaType, tag);
    assert.equal(data.id, head.digest, tag);
    assert.notEqual(data.id, local.attrs.Digest, `${tag}: the local digest differs`);
    assert.equal(data.mediaType, mediaType, tag);
    assert.deepEqual(data.platforms, [platform], tag);
  }
});

for (const [format, mediaType] of [["oci", OCI_INDEX], ["v2s2", DOCKER_LIST]] as const) {
  Deno.test(`getRegistryData() reads a manifest list (${mediaType}) and its platforms`, async () => {
    await using podman = connect();
    const list = `localhost/podrx/${uniqueName("list")}`;
    const remote = `${bed.registry}/podrx/${uniqueName("remote-list")}:1`;
    const other = `localhost/podrx/${uniqueName("arm")}:1`;
    await importImage(other);
    const platform = await platformOf(podman, bed.busyboxImage);
    try {
      await podmanOk(["manifest", "create", list]);
      await podmanOk(["manifest", "add", list, `containers-storage:${bed.busyboxImage}`]);
      await podmanOk([
        "manifest",
        "add",
        "--os=linux",
        "--arch=arm64",
        "--variant=v8",
        list,
        `containers-storage:${other}`,
      ]);
      await podmanOk([
        "manifest",
        "push",
        "--all",
        "--tls-verify=false",
        `--format=${format}`,
        list,
        `docker://${remote}`,
      ]);
    } finally {
      // Podman 4.3 trips over manifest lists left in its store (listing with --all fails,
      // inspecting other images can crash the service): none stays past the push.
      await podmanOk(["manifest", "rm", list]).catch(() => {});
      await podmanOk(["rmi", other]).catch(() => {});
    }

    const data = await podman.images.promises.getRegistryData(remote, { tlsVerify: false });

    const head = await registryHead(remote);
    assert.equal(head.mediaType, mediaType);
    assert.equal(data.id, head.digest);
    assert.equal(data.mediaType, mediaType);
    assert.equal(data.isList, true);
    assert.deepEqual(data.platforms, [platform, {
      os: "linux",
      architecture: "arm64",
      variant: "v8",
    }]);
    assert.equal(data.hasPlatform("linux/arm64"), true);
    assert.equal(data.hasPlatform("linux/arm64/v7"), false);
    assert.equal(data.hasPlatform("linux/s390x"), platform.architecture === "s390x");
  });
}

Deno.test("getRegistryData() on the htpasswd registry: the credentials work, their absence is a clear 401", async () => {
  await using podman = connect();
  const name = `${bed.authRegistry}/podrx/${uniqueName("auth")}:1`;
  await importImage(name);
  await podmanOk([
    "push",
    "--tls-verify=false",
    "--creds",
    `${bed.authUser}:${bed.authPassword}`,
    name,
  ]);
  const platform = await platformOf(podman, name);

  const data = await podman.images.promises.getRegistryData(name, {
    tlsVerify: false,
    authConfig: { username: bed.authUser, password: bed.authPassword },
  });
  assert.equal(data.id, (await registryHead(name, basicAuth())).digest);
  assert.deepEqual(data.platforms, [platform]);

  const wrong = `wrong-${crypto.randomUUID()}`;
  for (const authConfig of [undefined, { username: bed.authUser, password: wrong }]) {
    const error = await podman.images.promises.getRegistryData(name, {
      tlsVerify: false,
      ...(authConfig ? { authConfig } : {}),
    }).catch((error: unknown) => error);
    assert.ok(error instanceof APIError, String(error));
    assert.equal(error.status, 401);
    assert.equal(
      error.message,
      `Cannot read registry data of "${name}": authentication required (401)`,
    );
    const exposed = [error.message, error.explanation, String(error.cause), JSON.stringify(error)]
      .join(" ");
    for (const secret of [wrong, bed.authPassword, btoa(`${bed.authUser}:${wrong}`)]) {
      assert.ok(!exposed.includes(secret), exposed);
    }
  }
});

Deno.test("getRegistryData() of a missing image or repository is ImageNotFound, named as asked", async () => {
  await using podman = connect();
  const repository = `${bed.registry}/podrx/${uniqueName("missing")}`;
  await importImage(`${repository}:1`);
  await podmanOk(["push", "--tls-verify=false", `${repository}:1`]);
  for (const name of [`${repository}:2`, `${bed.registry}/podrx/${uniqueName("never")}:1`]) {
    const error = await podman.images.promises.getRegistryData(name, { tlsVerify: false })
      .catch((error: unknown) => error);
    assert.ok(error instanceof ImageNotFound && error instanceof NotFound, String(error));
    assert.equal(error.status, 404);
    assert.match(
      error.message,
      new RegExp(`^Cannot read registry data of "${name}": .+ \\(404\\)$`),
    );
    assert.doesNotMatch(error.message, /Cannot get image/);
  }
});

Deno.test("getRegistryData() keeps to HTTPS unless tlsVerify is false", async () => {
  await using podman = connect();
  const name = `${bed.registry}/podrx/${uniqueName("tls")}:1`;
  await importImage(name);
  await podmanOk(["push", "--tls-verify=false", name]);
  const error = await podman.images.promises.getRegistryData(name).catch((error: unknown) => error);
  assert.ok(error instanceof PodmanError && !(error instanceof APIError), String(error));
  assert.match(
    error.message,
    new RegExp(`^Cannot read registry data of "${name}": cannot reach the registry \\(https://`),
  );
  assert.doesNotMatch(error.message, /http:\/\//);
});
