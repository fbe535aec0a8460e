// Sockets that cannot serve: missing, not a socket, nobody listening, a server that hangs up.
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { PodmanClient, PodmanError } from "../../mod.ts";

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
