import assert from "node:assert/strict";
import { firstValueFrom, lastValueFrom } from "rxjs";
import { ConnectionError, type ConnectionErrorReason, PodmanClient } from "../../mod.ts";
import { openSshTunnel } from "../../src/service/ssh_tunnel.ts";
import { parseSshUrl } from "../../src/service/ssh_url.ts";
import { storageConfText, testBed } from "../bed/env.ts";
import { bedPodmanPath, sshClientsFor, startSshd } from "./_sshd.ts";

const bed = testBed();

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return await promise.then(() => assert.fail("expected a failure"), (error: unknown) => error);
}

/** The failure of `promise`, which must be a ConnectionError with this reason. */
async function connectionErrorOf(
  promise: Promise<unknown>,
  reason: ConnectionErrorReason,
): Promise<ConnectionError> {
  const error = await errorOf(promise);
  assert.ok(error instanceof ConnectionError, String(error));
  assert.equal(error.reason, reason, error.message);
  return error;
}

/** Binds a unix socket and never listens on it: its file stays, and connecting is refused. */
async function deadSocket(path: string): Promise<void> {
  const bind = await new Deno.Command("python3", {
    args: ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path],
  }).output();
  assert.ok(bind.success, new TextDecoder().decode(bind.stderr));
}

Deno.test("PodmanClient over ssh:// lists and gets images through an SSH tunnel", async () => {
  await using sshd = await startSshd();
  await using direct = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const expected = await lastValueFrom(direct.images.get(bed.busyboxImage));

  const podman = new PodmanClient({
    baseUrl: sshd.url(bed.socketPath),
    identity: sshd.identity,
    sshKnownHostsFile: sshd.knownHosts,
  });
  try {
    const images = await lastValueFrom(podman.images.list());
    assert.ok(
      images.some((image) => image.tags.includes(bed.busyboxImage)),
      `${bed.busyboxImage} missing from ${images.map((image) => image.tags).join(" ")}`,
    );
    const image = await lastValueFrom(podman.images.get(bed.busyboxImage));
    assert.equal(image.id, expected.id);
    // Both requests went through one tunnel: one ssh client, to this server.
    assert.equal(sshClientsFor(sshd.port).length, 1);
  } finally {
    await podman.close();
  }
  assert.deepEqual(sshClientsFor(sshd.port), [], "an ssh process outlived close()");
});

Deno.test("PodmanClient over ssh:// refuses an unknown host key by default", async () => {
  await using sshd = await startSshd();
  await using podman = new PodmanClient({
    baseUrl: sshd.url(bed.socketPath),
    identity: sshd.identity,
    sshKnownHostsFile: sshd.emptyKnownHosts,
  });
  const error = await connectionErrorOf(lastValueFrom(podman.images.list()), "unreachable");
  assert.ok(
    error.message.startsWith(
      `Cannot list images: cannot reach Podman at ${sshd.url(bed.socketPath)}: ` +
        "ssh exited with code 255: ",
    ),
    error.message,
  );
  assert.match(error.message, /No ED25519 host key is known for \[127\.0\.0\.1\]:\d+/);
  assert.match(error.message, /Host key verification failed\.$/);
  assert.deepEqual(sshClientsFor(sshd.port), [], "a failed ssh process was left running");
});

Deno.test("PodmanClient over ssh:// refuses a host key that differs from known_hosts", async () => {
  await using sshd = await startSshd();
  // Another server's key recorded for this address: what a man in the middle looks like.
  await using impostor = await startSshd();
  const knownHosts = await Deno.makeTempFile({ prefix: "podrx-known-hosts-" });
  try {
    const impostorKey = (await Deno.readTextFile(impostor.knownHosts)).split(" ").slice(1);
    await Deno.writeTextFile(knownHosts, [`[127.0.0.1]:${sshd.port}`, ...impostorKey].join(" "));
    await using podman = new PodmanClient({
      baseUrl: sshd.url(bed.socketPath),
      identity: sshd.identity,
      sshKnownHostsFile: knownHosts,
    });
    const error = await connectionErrorOf(firstValueFrom(podman.ping()), "unreachable");
    assert.match(error.message, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
    assert.match(error.message, /Host key verification failed\.$/);
  } finally {
    await Deno.remove(knownHosts);
  }
});

Deno.test("PodmanClient over ssh:// with sshHostKeyChecking: false connects to an unknown host", async () => {
  await using sshd = await startSshd();
  const podman = new PodmanClient({
    baseUrl: sshd.url(bed.socketPath),
    identity: sshd.identity,
    sshHostKeyChecking: false,
  });
  try {
    assert.equal(await firstValueFrom(podman.ping()), true);
    assert.equal(sshClientsFor(sshd.port).length, 1);
  } finally {
    await podman.close();
  }
  assert.deepEqual(sshClientsFor(sshd.port), []);
});

Deno.test("PodmanClient over ssh:// with a key the server does not accept fails with ssh's message", async () => {
  await using sshd = await startSshd();
  const dir = await Deno.makeTempDir({ prefix: "podrx-ssh-key-" });
  try {
    const { code } = await new Deno.Command("ssh-keygen", {
      args: ["-q", "-t", "ed25519", "-N", "", "-f", `${dir}/stranger`],
    }).output();
    assert.equal(code, 0);
    await using podman = new PodmanClient({
      baseUrl: sshd.url(bed.socketPath),
      identity: `${dir}/stranger`,
      sshKnownHostsFile: sshd.knownHosts,
    });
    const error = await connectionErrorOf(firstValueFrom(podman.ping()), "unreachable");
    assert.match(
      error.message,
      /^Cannot ping Podman: cannot reach Podman at ssh:\/\/\S+: ssh exited with code 255: \S+@127\.0\.0\.1: Permission denied \(publickey\)\.$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PodmanClient over ssh:// to a remote socket that does not exist names the socket", async () => {
  await using sshd = await startSshd();
  await using podman = new PodmanClient({
    baseUrl: sshd.url("/nonexistent/podman.sock"),
    identity: sshd.identity,
    sshKnownHostsFile: sshd.knownHosts,
  });
  const error = await connectionErrorOf(firstValueFrom(podman.ping()), "unreachable");
  assert.match(
    error.message,
    /the remote socket \/nonexistent\/podman\.sock cannot be opened .*: channel \d+: open failed/,
  );
  assert.deepEqual(sshClientsFor(sshd.port), []);
});

Deno.test("PodmanClient over ssh:// to a port where nothing listens fails with ssh's message", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  await using podman = new PodmanClient({
    baseUrl: `ssh://root@127.0.0.1:${port}/run/podman/podman.sock`,
    sshHostKeyChecking: false,
  });
  const error = await connectionErrorOf(firstValueFrom(podman.ping()), "refused");
  assert.match(error.message, /ssh exited with code 255: .*Connection refused/);
});

Deno.test("PodmanClient close() while an SSH tunnel is opening stops ssh", async () => {
  // Accepts connections (the kernel does) but never speaks SSH, so ssh waits for a banner.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = silent.addr as Deno.NetAddr;
  try {
    // With a socket path ssh opens the tunnel; without, it first asks for the socket.
    for (const path of ["/run/podman/podman.sock", ""]) {
      const podman = new PodmanClient({
        baseUrl: `ssh://root@127.0.0.1:${port}${path}`,
        sshHostKeyChecking: false,
      });
      const pinged = firstValueFrom(podman.ping()).catch((error: unknown) => error);
      const deadline = Date.now() + 5_000;
      while (sshClientsFor(port).length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(sshClientsFor(port).length, 1, `ssh did not start (path "${path}")`);
      const closing = Date.now();
      await podman.close();
      // ssh would give up by itself after 20 s (ConnectTimeout); close() must not wait for that.
      assert.ok(Date.now() - closing < 5_000, `close() waited for ssh (path "${path}")`);
      assert.deepEqual(sshClientsFor(port), [], `ssh outlived close() (path "${path}")`);
      const error = await pinged;
      assert.ok(error instanceof ConnectionError && error.reason === "closed", String(error));
      assert.match(error.message, /^Cannot ping Podman: the client was closed$/);
    }
  } finally {
    silent.close();
  }
});

Deno.test("PodmanClient rejects a password in an ssh:// URL without repeating it", () => {
  assert.throws(
    () => new PodmanClient({ baseUrl: "ssh://root:hunter2@example.com/run/podman/podman.sock" }),
    (error) =>
      error instanceof RangeError && /passwords in the URL are not supported/.test(error.message) &&
      !error.message.includes("hunter2"),
  );
  assert.throws(
    () => new PodmanClient({ baseUrl: "ssh://root@example.com/run/a:b.sock" }),
    (error) => error instanceof RangeError && /the socket path contains ":"/.test(error.message),
  );
});

Deno.test("PodmanClient over ssh:// opens a new tunnel when ssh died", async () => {
  await using sshd = await startSshd();
  await using podman = new PodmanClient({
    baseUrl: sshd.url(bed.socketPath),
    identity: sshd.identity,
    sshKnownHostsFile: sshd.knownHosts,
  });
  assert.equal(await firstValueFrom(podman.ping()), true);
  const [first] = sshClientsFor(sshd.port);
  assert.ok(first !== undefined);
  Deno.kill(first, "SIGKILL");
  const deadline = Date.now() + 5_000;
  while (sshClientsFor(sshd.port).includes(first) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Let the client see the exit, as any later operation would.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await firstValueFrom(podman.ping()), true);
  const now = sshClientsFor(sshd.port);
  assert.equal(now.length, 1);
  assert.notEqual(now[0], first);
});

Deno.test("openSshTunnel() to a remote socket that never answers gives up after its timeout", async () => {
  await using sshd = await startSshd();
  const dir = await Deno.makeTempDir({ prefix: "podrx-mute-" });
  // Not Podman: takes each connection and closes it without a word.
  const mute = Deno.listen({ transport: "unix", path: `${dir}/mute.sock` });
  const serving = (async () => {
    for await (const connection of mute) connection.close();
  })();
  try {
    const started = Date.now();
    const error = await connectionErrorOf(
      openSshTunnel(parseSshUrl(sshd.url(`${dir}/mute.sock`)), {
        identity: sshd.identity,
        knownHostsFile: sshd.knownHosts,
        timeout: 1_500,
        action: "Cannot open the test tunnel",
      }),
      "unreachable",
    );
    assert.match(
      error.message,
      /^Cannot open the test tunnel: cannot reach Podman at ssh:\/\/\S+mute\.sock: no answer to \/_ping within 1\.5 s: /,
    );
    assert.ok(Date.now() - started < 10_000, "the timeout was not kept");
    assert.deepEqual(sshClientsFor(sshd.port), [], "ssh outlived the failed start");
  } finally {
    mute.close();
    await serving;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PodmanClient over ssh:// without a socket path uses the one the remote podman info reports", async () => {
  // The remote `podman` is a client of the bed's service (CONTAINER_HOST), so its `podman
  // info` reports that service's socket, as unix:///path.
  await using sshd = await startSshd({
    sessionEnv: { ...bedPodmanPath(), CONTAINER_HOST: `unix://${bed.socketPath}` },
  });
  for (const path of ["", "/"]) {
    const podman = new PodmanClient({
      baseUrl: sshd.url(path),
      identity: sshd.identity,
      sshKnownHostsFile: sshd.knownHosts,
    });
    try {
      const images = await lastValueFrom(podman.images.list());
      assert.ok(
        images.some((image) => image.tags.includes(bed.labeledImage)),
        `${bed.labeledImage} missing from ${images.map((image) => image.tags).join(" ")}`,
      );
      // The asking ssh has ended; the tunnel's is the one left.
      assert.equal(sshClientsFor(sshd.port).length, 1);
    } finally {
      await podman.close();
    }
    assert.deepEqual(sshClientsFor(sshd.port), [], "an ssh process outlived close()");
  }
  const tunnel = await openSshTunnel(parseSshUrl(sshd.url("")), {
    identity: sshd.identity,
    knownHostsFile: sshd.knownHosts,
  });
  try {
    assert.equal(tunnel.remoteSocketPath, bed.socketPath);
  } finally {
    await tunnel.close();
  }
});

Deno.test("PodmanClient over ssh:// without a socket path, where nobody listens on the reported socket, names it", async () => {
  // A root `podman info` reports containers.conf's remote_uri; its storage is a private one.
  const dir = await Deno.makeTempDir({ prefix: "podrx-remote-conf-" });
  try {
    await deadSocket(`${dir}/dead.sock`);
    await Deno.writeTextFile(
      `${dir}/containers.conf`,
      `[engine]\nremote_uri = "unix://${dir}/dead.sock"\n`,
    );
    await Deno.writeTextFile(
      `${dir}/storage.conf`,
      storageConfText(`${dir}/root`, `${dir}/runroot`),
    );
    await using sshd = await startSshd({
      sessionEnv: {
        ...bedPodmanPath(),
        CONTAINERS_CONF: `${dir}/containers.conf`,
        CONTAINERS_STORAGE_CONF: `${dir}/storage.conf`,
      },
    });
    await using podman = new PodmanClient({
      baseUrl: sshd.url(""),
      identity: sshd.identity,
      sshKnownHostsFile: sshd.knownHosts,
    });
    // sshd does not say why it could not connect (refused, or no such file): unreachable.
    const error = await connectionErrorOf(firstValueFrom(podman.ping()), "unreachable");
    assert.equal(
      error.message.split(": channel ")[0],
      `Cannot ping Podman: cannot reach Podman at ${sshd.url("")}: the remote socket ` +
        `${dir}/dead.sock (which the remote \`podman info\` reports) cannot be opened (is the ` +
        "Podman service running there, and may this user open it?)",
    );
    assert.match(error.message, /: channel \d+: open failed: connect failed: open failed$/);
    assert.deepEqual(sshClientsFor(sshd.port), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PodmanClient over ssh:// without a socket path, and no podman on the remote host, says so", async () => {
  await using sshd = await startSshd({ sessionEnv: { PATH: "/nonexistent" } });
  await using podman = new PodmanClient({
    baseUrl: sshd.url(""),
    identity: sshd.identity,
    sshKnownHostsFile: sshd.knownHosts,
  });
  const error = await connectionErrorOf(firstValueFrom(podman.ping()), "unreachable");
  assert.equal(
    error.message,
    `Cannot ping Podman: cannot reach Podman at ${sshd.url("")}: cannot ask the remote host ` +
      "for its Podman socket: it has no `podman` command (bash: line 1: podman: command not found)",
  );
  assert.deepEqual(sshClientsFor(sshd.port), []);
});

Deno.test("PodmanClient over ssh:// without a socket path, where the remote podman info fails, carries its error", async () => {
  // The remote `podman` is told to use a service that is not there.
  await using sshd = await startSshd({
    sessionEnv: { ...bedPodmanPath(), CONTAINER_HOST: "unix:///nonexistent/podman.sock" },
  });
  await using podman = new PodmanClient({
    baseUrl: sshd.url(""),
    identity: sshd.identity,
    sshKnownHostsFile: sshd.knownHosts,
  });
  const error = await connectionErrorOf(firstValueFrom(podman.ping()), "unreachable");
  assert.match(
    error.message,
    new RegExp(
      `^Cannot ping Podman: cannot reach Podman at ${RegExp.escape(sshd.url(""))}: cannot ask ` +
        "the remote host for its Podman socket: `podman info --format json` exited with code " +
        "125: Error: .*/nonexistent/podman\\.sock.*$",
    ),
  );
  assert.deepEqual(sshClientsFor(sshd.port), []);
});

Deno.test("PodmanClient over ssh:// without a socket path fails on an unknown host key before asking", async () => {
  await using sshd = await startSshd();
  await using podman = new PodmanClient({
    baseUrl: sshd.url(""),
    identity: sshd.identity,
    sshKnownHostsFile: sshd.emptyKnownHosts,
  });
  const error = await connectionErrorOf(firstValueFrom(podman.ping()), "unreachable");
  assert.ok(
    error.message.startsWith(
      `Cannot ping Podman: cannot reach Podman at ${sshd.url("")}: ssh exited with code 255: `,
    ),
    error.message,
  );
  assert.match(error.message, /Host key verification failed\.$/);
});
