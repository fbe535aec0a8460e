import assert from "node:assert/strict";
import { filter, lastValueFrom, take, tap, toArray } from "rxjs";
import { Fleet } from "../../src/fleet/fleet.ts";
import type { FleetEvent } from "../../src/fleet/fleet_event.ts";
import { podmanCli, testBed } from "../bed/env.ts";
import { startFakePodman } from "../fake/fake_podman.ts";
import { uniqueName } from "../images/_fixtures.ts";
import { collect, failedHosts, spawnHosts, storedImageIds } from "./_hosts.ts";

const bed = testBed();
const MiB = 1024 * 1024;

function doneIds<E, R extends { id: string }>(events: FleetEvent<E, R>[]): Map<string, string> {
  return new Map(
    events.flatMap((event) => event.type === "done" ? [[event.host, event.result.id]] : []),
  );
}

/** An image of `size` random bytes on the bed's service; returns its id. */
async function bigImage(name: string, size: number): Promise<string> {
  const work = await Deno.makeTempDir({ prefix: "podrx-fleet-big-" });
  try {
    const data = new Uint8Array(size);
    for (let offset = 0; offset < size; offset += 65536) {
      crypto.getRandomValues(data.subarray(offset, Math.min(size, offset + 65536)));
    }
    await Deno.writeFile(`${work}/blob`, data);
    const tar = await new Deno.Command("tar", {
      args: ["--create", "--file", `${work}/rootfs.tar`, "--directory", work, "blob"],
    }).output();
    assert.ok(tar.success);
    const result = await podmanCli(["import", `${work}/rootfs.tar`, name]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim().split("\n").at(-1)!.replace(/^sha256:/, "");
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** Resolves with `promise`, or fails the test after a generous bound (never a timing claim). */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within 20 s`)), 20_000);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("Fleet.distribute: a host down, a host killed mid-load, a host with wrong credentials fail alone", async (t) => {
  const [a, b, e] = await spawnHosts(3);
  const downDir = await Deno.makeTempDir({ prefix: "podrx-fleet-down-" });
  await using fleet = new Fleet({
    bed: { baseUrl: `unix://${bed.socketPath}` },
    a: a!,
    b: b!,
    e: e!,
    down: `unix://${downDir}/nobody.sock`,
  });
  try {
    await t.step(
      "registry route: wrong credentials on b and a down host; a gets the image",
      async () => {
        const right = { username: bed.authUser, password: bed.authPassword };
        const wrong = { username: bed.authUser, password: "not-the-password" };
        const { values, error } = await collect(
          fleet.images.distribute(bed.busyboxImage, {
            from: "bed",
            hosts: ["bed", "a", "b", "down"],
            via: {
              registry: bed.authRegistry,
              repository: "podrx-fleet/auth",
              tlsVerify: false,
              authConfig: (host) => host === "b" ? wrong : right,
            },
          }),
        );
        assert.deepEqual(failedHosts(error), ["b", "down"]);
        const expected = await lastValueFrom(fleet.client("bed").images.get(bed.busyboxImage));
        assert.deepEqual(doneIds(values), new Map([["bed", expected.id], ["a", expected.id]]));
        assert.ok(!(error as Error).message.includes(wrong.password), "password in the message");
        assert.ok(!(await storedImageIds(b!)).includes(expected.id), "b has the image");
      },
    );

    await t.step(
      "stream route: e killed mid-load and a down host; a gets it, e has nothing",
      async () => {
        const name = `localhost/podrx-fleet/${uniqueName("big")}:1`;
        const id = await bigImage(name, 48 * MiB);
        try {
          let killed = false;
          const { values, error } = await collect(
            fleet.images.distribute(name, { from: "bed", hosts: ["a", "e", "down"] }).pipe(
              tap((event) => {
                if (
                  !killed && event.type === "event" && event.host === "e" &&
                  event.event.type === "sent" && event.event.bytes > 8 * MiB
                ) {
                  killed = true;
                  Deno.kill(e!.service!.pid, "SIGKILL");
                }
              }),
            ),
          );
          assert.ok(killed, "e was never killed: it took no bytes");
          assert.deepEqual(failedHosts(error), ["down", "e"]);
          assert.deepEqual(doneIds(values), new Map([["bed", id], ["a", id]]));
          // The dead service's storage, read by the CLI: nothing of the image, not even a layer.
          assert.deepEqual(await storedImageIds(e!), []);
        } finally {
          await podmanCli(["rmi", "--force", name]);
        }
      },
    );
  } finally {
    await Deno.remove(downDir, { recursive: true });
  }
});

const SOURCE_ID = "a".repeat(64);

/** A fake source whose archive never ends: 64 KiB per read, until its reader goes. */
async function endlessSource() {
  let markCancelled!: () => void;
  const cancelled = new Promise<void>((resolve) => (markCancelled = resolve));
  let saves = 0;
  const fake = await startFakePodman((_request, url) => {
    if (url.pathname.endsWith("/json")) {
      return Response.json({ Id: SOURCE_ID, RepoTags: ["localhost/x:1"] });
    }
    saves++;
    return new Response(
      new ReadableStream<Uint8Array>({
        pull: (controller) => controller.enqueue(new Uint8Array(65536)),
        cancel: () => markCancelled(),
      }, { highWaterMark: 0 }),
    );
  });
  return { fake, cancelled, saves: () => saves };
}

/** A fake target that reads every load upload and tells when its connection went. */
async function readingTarget() {
  let markClosed!: (reason: string) => void;
  const closed = new Promise<string>((resolve) => (markClosed = resolve));
  let received = 0;
  const fake = await startFakePodman(async (request) => {
    const reader = request.body!.getReader();
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
      }
      markClosed("ended");
    } catch (error) {
      markClosed(`broke: ${(error as Error).name}`);
    }
    return Response.json({ Names: [] });
  });
  return { fake, closed, received: () => received };
}

Deno.test("Fleet.distribute unsubscribed mid-stream aborts the save and every load at once", async () => {
  const source = await endlessSource();
  const targets = [await readingTarget(), await readingTarget()];
  try {
    const fleet = new Fleet({
      src: { baseUrl: `unix://${source.fake.socketPath}` },
      t1: { baseUrl: `unix://${targets[0]!.fake.socketPath}` },
      t2: { baseUrl: `unix://${targets[1]!.fake.socketPath}` },
    });
    await using _fleet = fleet;
    // Unsubscribes once both targets have taken a MiB: `take` ends the stream.
    const seen = new Set<string>();
    await lastValueFrom(
      fleet.images.distribute("localhost/x:1", { from: "src" }).pipe(
        filter((event) =>
          event.type === "event" && event.host !== "src" && event.event.type === "sent" &&
          event.event.bytes > MiB && !seen.has(event.host) && seen.add(event.host) !== undefined
        ),
        take(2),
        toArray(),
      ),
    );
    await within(source.cancelled, "the source's archive was not cancelled");
    for (const [index, target] of targets.entries()) {
      const how = await within(target.closed, `t${index + 1} kept its upload`);
      assert.match(how, /^broke/, `t${index + 1}: ${how}`);
      assert.ok(target.received() > 0);
    }
    assert.equal(source.saves(), 1);
  } finally {
    for (const target of targets) await target.fake.close();
    await source.fake.close();
  }
});

Deno.test("Fleet.distribute fails a host that ends up with another image id", async () => {
  const archive = new Uint8Array(3 * 65536);
  await using source = await startFakePodman((_request, url) =>
    url.pathname.endsWith("/json")
      ? Response.json({ Id: SOURCE_ID, RepoTags: ["localhost/x:1"] })
      : new Response(archive)
  );
  const target = (id: string) =>
    startFakePodman(async (request, url) => {
      if (url.pathname.endsWith("/load")) {
        await request.arrayBuffer();
        return Response.json({ Names: ["localhost/x:1"] });
      }
      return Response.json({ Id: id, RepoTags: ["localhost/x:1"] });
    });
  await using same = await target(SOURCE_ID);
  await using other = await target("b".repeat(64));
  await using fleet = new Fleet({
    src: { baseUrl: `unix://${source.socketPath}` },
    same: { baseUrl: `unix://${same.socketPath}` },
    other: { baseUrl: `unix://${other.socketPath}` },
  });
  const { values, error } = await collect(
    fleet.images.distribute("localhost/x:1", { from: "src" }),
  );
  assert.deepEqual(failedHosts(error), ["other"]);
  assert.match(
    (error as Error).message,
    /other: .*it has image bbbbbbbbbbbb, the source has aaaaaaaaaaaa/,
  );
  assert.deepEqual([...doneIds(values).keys()].sort(), ["same", "src"]);
});

Deno.test("Fleet.distribute by id saves the id the source wrote, and takes sha256:x and x as one id", async () => {
  const archive = new Uint8Array(65536);
  await using source = await startFakePodman((_request, url) =>
    url.pathname.endsWith("/json")
      ? Response.json({ Id: `sha256:${SOURCE_ID}`, RepoTags: ["localhost/x:1"] })
      : new Response(archive)
  );
  await using target = await startFakePodman(async (request, url) => {
    if (url.pathname.endsWith("/load")) {
      await request.arrayBuffer();
      return Response.json({ Names: [`sha256:${SOURCE_ID}`] });
    }
    return Response.json({ Id: SOURCE_ID, RepoTags: [] });
  });
  await using fleet = new Fleet({
    src: { baseUrl: `unix://${source.socketPath}` },
    t: { baseUrl: `unix://${target.socketPath}` },
  });
  // Named by a bare prefix of the id, which the source writes with `sha256:`.
  const { values, error } = await collect(
    fleet.images.distribute(SOURCE_ID.slice(0, 12), { from: "src" }),
  );
  assert.equal(error, undefined);
  assert.deepEqual([...doneIds(values)].sort(), [
    ["src", `sha256:${SOURCE_ID}`],
    ["t", SOURCE_ID],
  ]);
  const saves = source.requests.filter((request) => /\/get\b/.test(request.path));
  assert.deepEqual(
    saves.map((request) => decodeURIComponent(request.path.split("/").at(-2)!)),
    [`sha256:${SOURCE_ID}`],
  );
});
