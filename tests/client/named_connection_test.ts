import assert from "node:assert/strict";
import { firstValueFrom, lastValueFrom } from "rxjs";
import { PodmanClient, PodmanError } from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { withConfigHome } from "./_config_home.ts";
import { sshClientsFor, startSshd } from "./_sshd.ts";

const bed = testBed();

/** True only on the bed's service: the machine's own storage has no such image. */
async function isTheBed(podman: PodmanClient): Promise<boolean> {
  return await lastValueFrom(podman.images.exists(bed.labeledImage));
}

Deno.test("PodmanClient({ connection }) uses connections from podman-connections.json", async () => {
  await using sshd = await startSshd();
  await withConfigHome(async (home) => {
    await home.writeJson({
      Connection: {
        Default: "local",
        Connections: {
          local: { URI: `unix://${bed.socketPath}`, Identity: "", IsMachine: false },
          viassh: { URI: sshd.url(bed.socketPath), Identity: sshd.identity },
        },
      },
      Farm: {},
    });
    {
      await using podman = new PodmanClient({ connection: "local" });
      assert.equal(await isTheBed(podman), true);
      assert.deepEqual(sshClientsFor(sshd.port), []);
    }
    {
      // The identity comes from the file; the host key from the run's known_hosts.
      await using podman = new PodmanClient({
        connection: "viassh",
        sshKnownHostsFile: sshd.knownHosts,
      });
      const image = await lastValueFrom(podman.images.get(bed.busyboxImage));
      assert.ok(image.tags.includes(bed.busyboxImage));
      assert.equal(sshClientsFor(sshd.port).length, 1, "the request did not go over SSH");
    }
    assert.deepEqual(sshClientsFor(sshd.port), []);
  });
});

Deno.test("PodmanClient() without baseUrl uses the default connection before the sockets", async () => {
  await using sshd = await startSshd();
  await withConfigHome(async (home) => {
    await home.writeJson({
      Connection: {
        Default: "viassh",
        Connections: { viassh: { URI: sshd.url(bed.socketPath), Identity: sshd.identity } },
      },
    });
    {
      await using podman = new PodmanClient({ sshKnownHostsFile: sshd.knownHosts });
      assert.equal(await isTheBed(podman), true);
      assert.equal(sshClientsFor(sshd.port).length, 1, "discovery did not use the connection");
    }
    assert.deepEqual(sshClientsFor(sshd.port), []);
  });
});

Deno.test("PodmanClient() discovery lists a default connection that does not answer", async () => {
  await withConfigHome(async (home) => {
    const missing = `${home.containers}/missing.sock`;
    const path = await home.writeJson({
      Connection: { Default: "broken", Connections: { broken: { URI: `unix://${missing}` } } },
    });
    await using podman = new PodmanClient();
    const error = await firstValueFrom(podman.ping()).catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError, String(error));
    assert.match(error.message, /^Cannot ping Podman: no Podman service answered; looked at /);
    const place = `unix://${missing} (connection "broken", default connection from ${path}): `;
    assert.ok(error.message.includes(place), `${place} missing from: ${error.message}`);
    // Still followed by the socket fallbacks.
    assert.ok(error.message.includes("unix:///run/podman/podman.sock"), error.message);
  });
});

Deno.test("PodmanClient({ connection }) with an unknown name lists the known ones", async () => {
  await withConfigHome(async (home) => {
    const path = await home.writeJson({
      Connection: {
        Connections: { alpha: { URI: "unix:///a.sock" }, beta: { URI: "unix:///b.sock" } },
      },
    });
    await using podman = new PodmanClient({ connection: "gamma" });
    const error = await firstValueFrom(podman.ping()).catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError, String(error));
    assert.ok(
      error.message.startsWith(
        'Cannot ping Podman: no Podman connection is named "gamma"; ' +
          'known connections: "alpha", "beta" (read ',
      ),
      error.message,
    );
    assert.ok(error.message.includes(path), error.message);
  });
});

Deno.test("PodmanClient({ connection }) names a podman-connections.json it cannot parse", async () => {
  await withConfigHome(async (home) => {
    const path = `${home.containers}/podman-connections.json`;
    await Deno.writeTextFile(path, "{ not json");
    await using podman = new PodmanClient({ connection: "any" });
    const error = await firstValueFrom(podman.ping()).catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError, String(error));
    assert.ok(error.message.startsWith(`Cannot ping Podman: cannot read ${path}: `), error.message);
  });
});

Deno.test("PodmanClient falls back to containers.conf service destinations", async () => {
  await withConfigHome(async (home) => {
    await home.writeConf(
      [
        "# written by podman system connection add",
        "[engine]",
        'active_service = "conf-local"',
        "  [engine.service_destinations]",
        '    [engine.service_destinations."conf-local"]',
        `      uri = "unix://${bed.socketPath}"`,
        '      identity = ""',
        "    [engine.service_destinations.other]",
        '      uri = "unix:///nonexistent.sock"',
        "",
      ].join("\n"),
    );
    {
      await using podman = new PodmanClient({ connection: "conf-local" });
      assert.equal(await isTheBed(podman), true);
    }
    {
      // active_service is the default connection.
      await using podman = new PodmanClient();
      assert.equal(await isTheBed(podman), true);
    }
    // The JSON file wins for a name both define.
    await home.writeJson({
      Connection: { Connections: { "conf-local": { URI: "unix:///nonexistent/json.sock" } } },
    });
    await using podman = new PodmanClient({ connection: "conf-local" });
    const error = await firstValueFrom(podman.ping()).catch((error: unknown) => error);
    assert.ok(error instanceof PodmanError, String(error));
    assert.match(error.message, /cannot reach Podman at unix:\/\/\/nonexistent\/json\.sock/);
  });
});

Deno.test("PodmanClient() discovery honours CONTAINER_CONNECTION", async () => {
  await withConfigHome(async (home) => {
    await home.writeJson({
      Connection: {
        Default: "broken",
        Connections: {
          broken: { URI: "unix:///nonexistent.sock" },
          picked: { URI: `unix://${bed.socketPath}` },
        },
      },
    });
    Deno.env.set("CONTAINER_CONNECTION", "picked");
    await using podman = new PodmanClient();
    assert.equal(await isTheBed(podman), true);
  });
});

Deno.test("PodmanClient rejects baseUrl together with connection", () => {
  assert.throws(
    () => new PodmanClient({ baseUrl: `unix://${bed.socketPath}`, connection: "x" }),
    (error) => error instanceof TypeError && /either baseUrl or connection/.test(error.message),
  );
});
