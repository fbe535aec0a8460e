import assert from "node:assert/strict";
import { concatMap, filter, finalize, lastValueFrom, NEVER, throwError, toArray } from "rxjs";
import { Fleet } from "../../src/fleet/fleet.ts";
import type { FleetError } from "../../src/fleet/fleet_error.ts";
import { PodmanError } from "../../src/errors.ts";
import { testBed } from "../bed/env.ts";
import { startSshd } from "../client/_sshd.ts";
import { collect, countingClient, doneOf, failedHosts, spawnHosts } from "./_hosts.ts";

const bed = testBed();

Deno.test("Fleet runs every operation on four hosts, two of them over ssh://", async (t) => {
  await using sshd = await startSshd();
  const [a, b, c, d] = await spawnHosts(4);
  const source = countingClient(bed.socketPath, (path) => path.endsWith("/get"));
  await using fleet = new Fleet({
    bed: source.client,
    a: a!,
    b: b!,
    c: {
      baseUrl: sshd.url(c!.service!.socketPath),
      identity: sshd.identity,
      sshKnownHostsFile: sshd.knownHosts,
    },
    d: {
      baseUrl: sshd.url(d!.service!.socketPath),
      identity: sshd.identity,
      sshKnownHostsFile: sshd.knownHosts,
    },
  });
  // c and d are reached over SSH; their services are stopped through their own clients.
  await using _c = c!;
  await using _d = d!;
  const targets = ["a", "b", "c", "d"];
  const expected = await lastValueFrom(source.client.images.get(bed.busyboxImage));

  await t.step(
    "distribute as one stream: one save on the source, the same id on every host",
    async () => {
      const events = await lastValueFrom(
        fleet.images.distribute(bed.busyboxImage, { from: "bed" }).pipe(toArray()),
      );
      const done = doneOf(events);
      assert.deepEqual([...done.keys()].sort(), ["a", "b", "bed", "c", "d"]);
      for (const [host, result] of done) assert.equal(result.id, expected.id, host);
      assert.equal(source.count(), 1);
      const sent = events.filter((event) => event.type === "event" && event.event.type === "sent");
      assert.ok(sent.some((event) => event.host === "d"), "no sent events for d");
      const got = doneOf(await lastValueFrom(fleet.images.get(bed.busyboxImage).pipe(toArray())));
      for (const host of targets) assert.equal(got.get(host)?.id, expected.id, host);
    },
  );

  await t.step("list, exists, tag, remove, prune on every host", async () => {
    const lists = doneOf(
      await lastValueFrom(fleet.images.list({ hosts: targets }).pipe(toArray())),
    );
    for (const host of targets) {
      assert.ok(lists.get(host)?.some((image) => image.id === expected.id), host);
    }
    const tagged = doneOf(
      await lastValueFrom(
        fleet.images.tag(expected.id, "localhost/podrx-fleet", "tagged", { hosts: targets }).pipe(
          toArray(),
        ),
      ),
    );
    assert.deepEqual([...tagged.values()], [true, true, true, true]);
    const exists = doneOf(
      await lastValueFrom(
        fleet.images.exists("localhost/podrx-fleet:tagged", { hosts: targets }).pipe(toArray()),
      ),
    );
    assert.deepEqual([...exists.values()], [true, true, true, true]);
    const removed = doneOf(
      await lastValueFrom(
        fleet.images.remove("localhost/podrx-fleet:tagged", { hosts: targets }).pipe(toArray()),
      ),
    );
    for (const host of targets) {
      assert.ok(removed.get(host)?.untagged.some((name) => name.includes("podrx-fleet")), host);
    }
    const pruned = doneOf(
      await lastValueFrom(fleet.images.prune({ hosts: targets }).pipe(toArray())),
    );
    assert.equal(pruned.size, 4);
    const gone = doneOf(
      await lastValueFrom(
        fleet.images.exists("localhost/podrx-fleet:tagged", { hosts: targets }).pipe(toArray()),
      ),
    );
    assert.deepEqual([...gone.values()], [false, false, false, false]);
  });

  await t.step("push from one host, pull on the others, build and load on every host", async () => {
    const remote = `${bed.registry}/podrx-fleet/busybox:${crypto.randomUUID().slice(0, 8)}`;
    await lastValueFrom(
      fleet.images.tag(expected.id, remote.replace(/:[^:]*$/, ""), remote.split(":").at(-1), {
        hosts: ["a"],
      }),
    );
    const pushed = doneOf(
      await lastValueFrom(
        fleet.images.push(remote, { hosts: ["a"], tlsVerify: false }).pipe(toArray()),
      ),
    );
    assert.equal(pushed.get("a")?.type, "pushed");
    const pulled = doneOf(
      await lastValueFrom(
        fleet.images.pull(remote, { hosts: ["b", "c", "d"], tlsVerify: false }).pipe(toArray()),
      ),
    );
    assert.deepEqual([...pulled.keys()].sort(), ["b", "c", "d"]);

    const context = await Deno.makeTempDir({ prefix: "podrx-fleet-build-" });
    try {
      await Deno.writeTextFile(
        `${context}/Containerfile`,
        `FROM ${expected.id}\nLABEL podrx.fleet=built\n`,
      );
      const built = doneOf(
        await lastValueFrom(
          fleet.images.build({ path: context, hosts: targets, concurrency: 2 }).pipe(toArray()),
        ),
      );
      for (const host of targets) {
        assert.equal(built.get(host)?.image.labels["podrx.fleet"], "built", host);
      }
    } finally {
      await Deno.remove(context, { recursive: true });
    }

    const chunks: Uint8Array[] = await lastValueFrom(expected.save().pipe(toArray()));
    const archive = new Blob(chunks as Uint8Array<ArrayBuffer>[]);
    const fromBlob = doneOf(
      await lastValueFrom(fleet.images.load(archive, { hosts: targets }).pipe(toArray())),
    );
    const fromStream = doneOf(
      await lastValueFrom(fleet.images.load(archive.stream(), { hosts: targets }).pipe(toArray())),
    );
    for (const host of targets) {
      assert.deepEqual(fromBlob.get(host)?.map((image) => image.id), [expected.id], host);
      assert.deepEqual(fromStream.get(host)?.map((image) => image.id), [expected.id], host);
    }
  });

  await t.step(
    "distribute via a registry: one push, a pull on every host, the same id",
    async () => {
      const events = await lastValueFrom(
        fleet.images.distribute(bed.busyboxImage, {
          from: "bed",
          via: { registry: bed.registry, repository: "podrx-fleet/route", tlsVerify: false },
        }).pipe(toArray()),
      );
      const done = doneOf(events);
      assert.deepEqual([...done.keys()].sort(), ["a", "b", "bed", "c", "d"]);
      for (const [host, result] of done) assert.equal(result.id, expected.id, host);
    },
  );

  await t.step("concurrency bounds the hosts running at once", async () => {
    let running = 0;
    let most = 0;
    await lastValueFrom(
      fleet.images.list({ concurrency: 2 }).pipe(
        filter((event) => event.type === "started" || event.type === "done"),
        finalize(() => {}),
        toArray(),
      ),
    ).then((events) => {
      for (const event of events) {
        running += event.type === "started" ? 1 : -1;
        most = Math.max(most, running);
      }
    });
    assert.equal(most, 2);
  });

  await t.step("retry tries a failed host again; the others are not held up", async () => {
    let tries = 0;
    const events = await lastValueFrom(
      fleet.run(
        "Cannot ping",
        (client, host) =>
          host === "b" && tries++ === 0
            ? throwError(() => new PodmanError("Cannot ping: flaky"))
            : client.ping(),
        { retry: { count: 2, delay: 1 } },
      ).pipe(toArray()),
    );
    assert.equal(events.filter((event) => event.type === "retry").length, 1);
    assert.equal(doneOf(events).size, 5);
  });

  await t.step("failFast stops every other host at the first failure", async () => {
    const stopped: string[] = [];
    const { error } = await collect(
      fleet.run(
        "Cannot wait",
        (client, host) =>
          // c fails after its ping, once every host has started.
          host === "c"
            ? client.ping().pipe(
              concatMap(() => throwError(() => new PodmanError("Cannot wait: c broke"))),
            )
            : client.ping().pipe(concatMap(() => NEVER), finalize(() => stopped.push(host))),
        {
          failFast: true,
        },
      ),
    );
    assert.deepEqual(failedHosts(error), ["c"]);
    assert.deepEqual([...(error as FleetError).cancelled].sort(), ["a", "b", "bed", "d"]);
    assert.deepEqual(stopped.sort(), ["a", "b", "bed", "d"]);
  });
});
