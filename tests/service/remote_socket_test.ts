import assert from "node:assert/strict";
import { REMOTE_INFO_COMMAND, reportedSocket } from "../../src/service/_remote_socket.ts";
import { podmanProgram, storageConfText } from "../bed/env.ts";

Deno.test("reportedSocket() reads the bare path podman info reports when no service is set", async () => {
  // What a remote host's `podman info` prints when it knows of no service: its user's default
  // socket, /run/podman/podman.sock for root, under $XDG_RUNTIME_DIR for a rootless user.
  const runtimeDir = Deno.env.get("XDG_RUNTIME_DIR");
  const expected = Deno.uid() === 0 || runtimeDir === undefined
    ? "/run/podman/podman.sock"
    : `${runtimeDir}/podman/podman.sock`;
  const dir = await Deno.makeTempDir({ prefix: "podrx-info-" });
  try {
    await Deno.writeTextFile(
      `${dir}/storage.conf`,
      storageConfText(`${dir}/root`, `${dir}/runroot`),
    );
    const [, ...args] = REMOTE_INFO_COMMAND;
    const info = await new Deno.Command(podmanProgram(), {
      args,
      env: { CONTAINERS_STORAGE_CONF: `${dir}/storage.conf` },
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(info.stdout);
    assert.equal(info.code, 0, new TextDecoder().decode(info.stderr));
    assert.match(stdout, new RegExp(`"remoteSocket": \\{\\s*"path": "(unix://)?${expected}"`));
    assert.equal(reportedSocket(stdout), expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reportedSocket() drops unix://, matches field names in any case, as Podman's Go decoding does", () => {
  assert.equal(
    reportedSocket('{"host":{"remoteSocket":{"path":"unix:///run/user/1000/podman/podman.sock"}}}'),
    "/run/user/1000/podman/podman.sock",
  );
  assert.equal(reportedSocket('{"Host":{"RemoteSocket":{"Path":"/x.sock"}}}'), "/x.sock");
});

Deno.test("reportedSocket() says why there is no socket to tunnel to", () => {
  const problem = (json: string): string => {
    const reported = reportedSocket(json);
    assert.ok(typeof reported !== "string", `a socket: ${reported}`);
    return reported.problem;
  };
  assert.equal(
    problem("Error: short-name resolution"),
    "the remote `podman info` printed no JSON: Error: short-name resolution",
  );
  assert.equal(
    problem('{"host":{}}'),
    "the remote `podman info` reports no socket (host.remoteSocket.path)",
  );
  assert.equal(
    problem('{"host":{"remoteSocket":{"path":"tcp://127.0.0.1:8080","exists":true}}}'),
    "the remote `podman info` reports tcp://127.0.0.1:8080, which is not a unix socket an SSH " +
      "tunnel can lead to; give the socket's path in the URL",
  );
  assert.match(problem('{"host":{"remoteSocket":{"path":"unix:///run/a:b.sock"}}}'), /":"$/);
});
