import assert from "node:assert/strict";
import { lastValueFrom, type Observable } from "rxjs";
import {
  Artifact,
  Fleet,
  type FleetError,
  type FleetEvent,
  fleetProgress,
  NotFound,
  type PodmanClient,
  PodmanError,
} from "../../mod.ts";
import { podmanCli, runPodman, testBed } from "../bed/env.ts";
import { serverVersion } from "../bed/server_version.ts";
import { startFakePodman } from "../fake/fake_podman.ts";
import { recordingClient } from "../images/_recording_client.ts";
import {
  all,
  artifactName,
  registryManifest,
  seededBytes,
  serverHasArtifacts,
} from "../artifacts/_artifacts.ts";
import { collect, doneOf, failedHosts, spawnHosts } from "./_hosts.ts";

const bed = testBed();
const hasArtifacts = await serverHasArtifacts();

/** `podman artifact inspect NAME` by the CLI on a host's storage: the bed's or a spawned one's. */
async function cliDigest(client: PodmanClient, name: string): Promise<string> {
  const service = client.service;
  const result = service
    ? await runPodman(
      { root: service.root!, runroot: service.runroot!, registriesConf: "/dev/null" },
      ["artifact", "inspect", name],
    )
    : await podmanCli(["artifact", "inspect", name]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout).Digest;
}

/** Two files of seeded bytes, as `artifacts.add` takes them. */
function files(seed: number) {
  return [
    { fileName: "weights.bin", data: seededBytes(300_000, seed) },
    { fileName: "config.json", data: new TextEncoder().encode(`{"seed":${seed}}`) },
  ];
}

Deno.test({
  name: "fleet.artifacts on three hosts: distribute, push, pull, and hosts failing alone",
  ignore: !hasArtifacts,
  fn: async (t) => {
    const [a, b] = await spawnHosts(2);
    await using fleet = new Fleet({ bed: { baseUrl: `unix://${bed.socketPath}` }, a: a!, b: b! });
    const onBed: string[] = [];
    try {
      await t.step(
        "distribute from a: one push, a pull on bed and b, the source's digest everywhere",
        async () => {
          const name = artifactName("fleet-dist");
          onBed.push(name);
          const added = await a!.artifacts.promises.add(name, files(1), {
            type: "application/vnd.podrx.fleet",
          });
          const events = await all(
            fleet.artifacts.distribute(name, { from: "a", tlsVerify: false }),
          );
          const done = doneOf(events);
          assert.deepEqual([...done.keys()].sort(), ["a", "b", "bed"]);
          for (const [host, result] of done) {
            assert.equal(result.digest, added.digest, host);
            assert.ok(result.artifact instanceof Artifact, host);
            assert.equal(result.artifact.name, name, host);
          }
          // The push is done before any pull starts.
          const pushed = events.findIndex((event) => event.type === "done" && event.host === "a");
          const firstPull = events.findIndex((event) =>
            event.type === "started" && event.host !== "a"
          );
          assert.ok(pushed >= 0 && pushed < firstPull, `push at ${pushed}, pull at ${firstPull}`);
          assert.ok(
            events.some((event) =>
              event.type === "event" && event.host === "a" && event.event.type === "pushed"
            ),
          );
          for (const host of ["bed", "b"]) {
            assert.ok(
              events.some((event) =>
                event.type === "event" && event.host === host && event.event.type === "pulled"
              ),
              host,
            );
          }
          // Each host's own view, by the API and by the CLI, and the registry's.
          for (const host of fleet.names) {
            const client = fleet.client(host);
            const got = await lastValueFrom(client.artifacts.get(name));
            assert.equal(got.digest, added.digest, host);
            assert.equal(got.type, "application/vnd.podrx.fleet", host);
            assert.deepEqual(
              got.files.map((file) => [file.title, file.digest]),
              added.files.map((file) => [file.title, file.digest]),
              host,
            );
            assert.equal(await cliDigest(client, name), added.digest, host);
          }
          assert.equal((await registryManifest(name))?.digest, added.digest);
        },
      );

      await t.step(
        "push from bed, pull on a and b: host-tagged events, one done per host",
        async () => {
          const name = artifactName("fleet-pushpull");
          onBed.push(name);
          const added = await fleet.client("bed").artifacts.promises.add(name, files(2));
          const pushEvents = await all(
            fleet.artifacts.push(name, { hosts: ["bed"], tlsVerify: false }),
          );
          assert.ok(pushEvents.every((event) => event.host === "bed"));
          const pushed = doneOf(pushEvents);
          assert.equal(pushed.size, 1);
          assert.equal(pushed.get("bed")?.type, "pushed");
          assert.equal(pushed.get("bed")?.destination, name);
          assert.equal(pushed.get("bed")?.digest, (await registryManifest(name))?.digest);

          const pullEvents = await all(
            fleet.artifacts.pull(name, { hosts: ["a", "b"], tlsVerify: false }),
          );
          assert.deepEqual([...new Set(pullEvents.map((event) => event.host))].sort(), ["a", "b"]);
          for (const host of ["a", "b"]) {
            const own = pullEvents.filter((event) => event.host === host);
            assert.equal(own[0]?.type, "started", host);
            assert.equal(own.filter((event) => event.type === "done").length, 1, host);
            assert.equal(own.at(-1)?.type, "done", host);
            const kinds = own.flatMap((event) => event.type === "event" ? [event.event.type] : []);
            assert.deepEqual([...new Set(kinds)], ["status", "progress", "pulled"], host);
          }
          const pulled = doneOf(pullEvents);
          for (const host of ["a", "b"]) {
            assert.equal(pulled.get(host)?.digest, added.digest, host);
            assert.equal(await cliDigest(fleet.client(host), name), added.digest, host);
          }
          // The progress of a fleet's artifact pull: every file's bytes on every host.
          const snapshot = await lastValueFrom(
            fleet.artifacts.pull(name, { hosts: ["a", "b"], tlsVerify: false }).pipe(
              fleetProgress({ hosts: fleet.names }),
            ),
          );
          assert.deepEqual([snapshot.done, snapshot.failed, snapshot.waiting], [2, 0, 1]);
          const perHost = added.size;
          assert.equal(snapshot.hosts.get("a")?.bytesTotal, perHost);
          assert.equal(snapshot.bytesDone, 2 * perHost);
          assert.equal(snapshot.bytesTotal, 2 * perHost);
        },
      );

      await t.step(
        "a host without the artifact fails alone with NotFound; get, exists and remove per host",
        async () => {
          const name = artifactName("fleet-missing");
          onBed.push(name);
          // The same files, added on two hosts apart: two digests (each manifest has its time).
          const onBedAdded = await fleet.client("bed").artifacts.promises.add(name, files(3));
          const onA = await fleet.client("a").artifacts.promises.add(name, files(3));
          // One host at a time: two hosts pushing the same files to one repository at once race
          // in the registry (Podman 6.1.1 once had its manifest refused: "digest invalid").
          const { values, error } = await collect(
            fleet.artifacts.push(name, { tlsVerify: false, concurrency: 1 }),
          );
          assert.deepEqual(failedHosts(error), ["b"], String(error));
          const failure = (error as FleetError).failures[0]!;
          assert.ok(failure.error instanceof NotFound, String(failure.error));
          assert.match(
            (error as Error).message,
            new RegExp(`^Cannot push artifact "${name}" on 1 of 3 hosts: b: Cannot push artifact`),
          );
          assert.deepEqual([...doneOf(values).keys()].sort(), ["a", "bed"]);

          const exists = doneOf(await all(fleet.artifacts.exists(name)));
          assert.deepEqual(Object.fromEntries(exists), { bed: true, a: true, b: false });
          const got = await collect(fleet.artifacts.get(name));
          assert.deepEqual(failedHosts(got.error), ["b"]);
          assert.equal(doneOf(got.values).get("a")?.digest, onA.digest);
          assert.equal(doneOf(got.values).get("bed")?.digest, onBedAdded.digest);
          const lists = doneOf(await all(fleet.artifacts.list({ hosts: ["a", "b"] })));
          assert.ok(lists.get("a")?.some((artifact) => artifact.name === name));
          assert.ok(!lists.get("b")?.some((artifact) => artifact.name === name));
          const removed = doneOf(await all(fleet.artifacts.remove(name, { hosts: ["a"] })));
          assert.equal(removed.get("a")?.length, 1);
          assert.equal(await lastValueFrom(fleet.client("a").artifacts.exists(name)), false);
        },
      );

      await t.step(
        "distribute with wrong credentials for b: b fails alone, a gets it, no password shown",
        async () => {
          const name = artifactName("fleet-auth", bed.authRegistry);
          onBed.push(name);
          const added = await fleet.client("bed").artifacts.promises.add(name, files(4));
          const right = { username: bed.authUser, password: bed.authPassword };
          const wrong = { username: bed.authUser, password: `wrong-${crypto.randomUUID()}` };
          const { values, error } = await collect(
            fleet.artifacts.distribute(name, {
              from: "bed",
              tlsVerify: false,
              authConfig: (host) => host === "b" ? wrong : right,
            }),
          );
          assert.deepEqual(failedHosts(error), ["b"]);
          assert.match(
            (error as Error).message,
            /^Cannot distribute artifact ".*" on 1 of 3 hosts/,
          );
          assert.ok(!(error as Error).message.includes(wrong.password));
          assert.ok(!JSON.stringify(values).includes(wrong.password));
          const done = doneOf(values);
          assert.deepEqual([...done.keys()].sort(), ["a", "bed"]);
          assert.equal(done.get("a")?.digest, added.digest);
          assert.equal(await lastValueFrom(fleet.client("b").artifacts.exists(name)), false);
        },
      );

      await t.step(
        "add from one stream on three hosts: read once, the same file bytes in every store",
        async () => {
          const name = artifactName("fleet-add-stream");
          onBed.push(name);
          const bytes = seededBytes(1_000_000, 7);
          let offset = 0;
          // Read in 64 KiB pieces, so the hosts take turns on many chunks.
          const data = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (offset >= bytes.byteLength) return controller.close();
              controller.enqueue(bytes.slice(offset, offset + 65_536));
              offset += 65_536;
            },
          });
          const config = new TextEncoder().encode('{"stream":true}');
          const done = doneOf(
            await all(
              fleet.artifacts.add(name, [
                { fileName: "weights.bin", data },
                { fileName: "config.json", data: config },
              ]),
            ),
          );
          assert.deepEqual([...done.keys()].sort(), ["a", "b", "bed"]);
          const expected = `sha256:${
            Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)))
              .map((byte) => byte.toString(16).padStart(2, "0")).join("")
          }`;
          for (const [host, artifact] of done) {
            const weights = artifact.files.find((file) => file.title === "weights.bin");
            assert.equal(weights?.digest, expected, host);
            assert.equal(weights?.size, bytes.byteLength, host);
            assert.ok(artifact.files.some((file) => file.title === "config.json"), host);
          }
        },
      );
      await t.step("a source without the artifact fails; the others are not reached", async () => {
        const name = artifactName("fleet-nosource");
        const { values, error } = await collect(
          fleet.artifacts.distribute(name, { from: "a", tlsVerify: false }),
        );
        assert.deepEqual(failedHosts(error), ["a"]);
        assert.ok((error as FleetError).failures[0]!.error instanceof NotFound);
        assert.deepEqual([...(error as FleetError).cancelled].sort(), ["b", "bed"]);
        assert.deepEqual(values, []);
      });
    } finally {
      for (const name of onBed) {
        await lastValueFrom(fleet.client("bed").artifacts.remove(name)).catch(() => {});
      }
    }
  },
});

Deno.test({
  name: "fleet.artifacts on servers before Podman 5.6: every host fails with the version needed",
  ignore: hasArtifacts,
  fn: async () => {
    const one = recordingClient();
    const two = recordingClient();
    await using fleet = new Fleet({ one: one.podman, two: two.podman });
    const [major, minor, patch] = await serverVersion();
    const version = new RegExp(
      `: the artifacts API needs Podman 5\\.6 or later; the server runs ${major}\\.${minor}\\.${patch}$`,
    );
    const name = artifactName("fleet-old");
    const operations: [string, Observable<FleetEvent<unknown, unknown>>][] = [
      ["pull", fleet.artifacts.pull(name, { tlsVerify: false })],
      ["push", fleet.artifacts.push(name, { tlsVerify: false })],
      ["get", fleet.artifacts.get(name)],
      ["exists", fleet.artifacts.exists(name)],
      ["list", fleet.artifacts.list()],
      ["remove", fleet.artifacts.remove(name)],
    ];
    for (const [operation, events] of operations) {
      const { error } = await collect(events);
      assert.deepEqual(failedHosts(error), ["one", "two"], operation);
      for (const failure of (error as FleetError).failures) {
        assert.ok(failure.error instanceof PodmanError, operation);
        assert.match(failure.error.message, version, operation);
      }
    }
    // A distribution fails at the source's lookup: the other host is not reached.
    const { error } = await collect(fleet.artifacts.distribute(name, { from: "one" }));
    assert.deepEqual(failedHosts(error), ["one"]);
    assert.match((error as FleetError).failures[0]!.error.message, version);
    assert.deepEqual((error as FleetError).cancelled, ["two"]);
    for (const paths of [one.paths, two.paths]) {
      assert.deepEqual(paths.filter((path) => path.includes("/artifacts")), []);
    }
  },
});

const SOURCE_DIGEST = `sha256:${"a".repeat(64)}`;

/** A fake host that answers as Podman 5.8 does for an artifact whose digest is `digest`. */
function artifactHost(name: string, digest: string) {
  const attrs = {
    Name: name,
    Digest: digest,
    Manifest: {
      schemaVersion: 2,
      layers: [{
        mediaType: "application/octet-stream",
        digest: `sha256:${"c".repeat(64)}`,
        size: 5,
        annotations: { "org.opencontainers.image.title": "f" },
      }],
    },
  };
  return startFakePodman((_request, url) => {
    if (url.pathname.endsWith("/json")) return Response.json(attrs);
    return Response.json({ ArtifactDigest: digest });
  }, { apiVersion: "5.8.0" });
}

Deno.test("fleet.artifacts.distribute fails a host that ends up with another digest", async () => {
  const name = "127.0.0.1:1/podrx/model:1";
  await using source = await artifactHost(name, SOURCE_DIGEST);
  await using same = await artifactHost(name, SOURCE_DIGEST);
  await using other = await artifactHost(name, `sha256:${"b".repeat(64)}`);
  await using fleet = new Fleet({
    src: { baseUrl: `unix://${source.socketPath}` },
    same: { baseUrl: `unix://${same.socketPath}` },
    other: { baseUrl: `unix://${other.socketPath}` },
  });
  const { values, error } = await collect(fleet.artifacts.distribute(name, { from: "src" }));
  assert.deepEqual(failedHosts(error), ["other"]);
  assert.match(
    (error as Error).message,
    /other: Cannot distribute artifact ".*" to other: it has digest sha256:bbbbbbbbbbbb, the source has sha256:aaaaaaaaaaaa$/,
  );
  assert.deepEqual([...doneOf(values).keys()].sort(), ["same", "src"]);
  // One push on the source, to the artifact's own name; a pull of that name on each target.
  assert.deepEqual(
    source.requests.filter((request) => request.method === "POST").map((request) =>
      request.path.replace(/^\/v[\d.]+\/libpod/, "")
    ),
    [`/artifacts/${encodeURIComponent(name)}/push`],
  );
  for (const target of [same, other]) {
    const pulls = target.requests.filter((request) => request.method === "POST");
    assert.equal(pulls.length, 1);
    assert.equal(new URL(`http://x${pulls[0]!.path}`).searchParams.get("name"), name);
  }
});

Deno.test("fleet.artifacts: bad arguments are the stream's error, never a throw", async () => {
  await using fleet = new Fleet({ one: "unix:///nonexistent/podrx.sock" });
  const cases: [() => Observable<unknown>, new (...args: never[]) => Error, RegExp][] = [
    [
      () => fleet.artifacts.distribute("127.0.0.1:1/a:1", { from: "nope" }),
      TypeError,
      /^Cannot distribute artifact "127\.0\.0\.1:1\/a:1": the fleet has no host "nope"/,
    ],
    [
      () => fleet.artifacts.pull("127.0.0.1:1/a:1", { hosts: ["two"] }),
      TypeError,
      /^Cannot pull artifact ".*": the fleet has no host "two"/,
    ],
    [
      () => fleet.artifacts.push("127.0.0.1:1/a:1", { concurrency: 0 }),
      RangeError,
      /concurrency/,
    ],
    [() => fleet.artifacts.remove(null as unknown as string), TypeError, /./],
  ];
  for (const [make, type, message] of cases) {
    const events = make();
    const { error } = await collect(events);
    assert.ok(error instanceof type, String(error));
    assert.match((error as Error).message, message);
  }
});

Deno.test({
  name:
    "fleet.artifacts.add from a stream: a host that fails before reading its share does not stall the others",
  ignore: !hasArtifacts,
  fn: async () => {
    const gone = await Deno.makeTempDir({ prefix: "podrx-gone-" });
    await using fleet = new Fleet({
      bed: { baseUrl: `unix://${bed.socketPath}` },
      gone: { baseUrl: `unix://${gone}/podman.sock` },
    });
    const name = artifactName("fleet-add-gone");
    const bytes = seededBytes(300_000, 9);
    try {
      const stream = (part: Uint8Array) =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(part.slice(0, part.byteLength >> 1));
            controller.enqueue(part.slice(part.byteLength >> 1));
            controller.close();
          },
        });
      // "gone" fails to connect on the first file, whose branch its add cancels itself; it
      // never opens the second file's branch, which the fleet cancels when the host ends.
      // Without that, the bed's second upload would wait for "gone" forever.
      const { values, error } = await collect(
        fleet.artifacts.add(name, [
          { fileName: "weights.bin", data: stream(bytes) },
          { fileName: "more.bin", data: stream(bytes.slice(0, 1000)) },
          // A stalled upload fails the bed in 15 s instead of hanging the test.
        ], { timeout: 15_000 }),
      );
      assert.deepEqual(failedHosts(error), ["gone"]);
      const added = doneOf(values).get("bed");
      assert.deepEqual(added?.files.map((file) => [file.title, file.size]), [
        ["weights.bin", bytes.byteLength],
        ["more.bin", 1000],
      ]);
    } finally {
      await lastValueFrom(fleet.client("bed").artifacts.remove(name)).catch(() => {});
      await Deno.remove(gone, { recursive: true });
    }
  },
});
