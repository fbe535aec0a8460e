// A fleet's forms of the managers' operations are made from the managers (fleetForms): the
// fleet's options are taken out of the operation's own, the rest reach each host's operation,
// and each host's result is what the operation's await twin gives. Two clients of the bed's
// service stand for two hosts.
import assert from "node:assert/strict";
import { lastValueFrom, toArray } from "rxjs";
import { Fleet } from "../../src/fleet/fleet.ts";
import { PodmanClient } from "../../src/podman/podman_client.ts";
import { testBed } from "../bed/env.ts";
import { importImage, uniqueName } from "../images/_fixtures.ts";
import { FleetError } from "../../src/fleet/fleet_error.ts";
import { PodmanError } from "../../src/errors.ts";
import { singleFileTar } from "../../src/tar/single_file.ts";
import { collect, doneOf } from "./_hosts.ts";

const bed = testBed();

function twoHosts(): Fleet {
  return new Fleet({
    a: new PodmanClient({ baseUrl: `unix://${bed.socketPath}` }),
    b: new PodmanClient({ baseUrl: `unix://${bed.socketPath}` }),
  });
}

Deno.test("fleet.images: the fleet's options choose the hosts, the operation's own reach each host", async () => {
  await using fleet = twoHosts();
  const name = `localhost/${uniqueName("podrx-forms")}:1`;
  await importImage(name);
  try {
    const events = await lastValueFrom(
      fleet.images.list({ filters: { reference: name }, hosts: ["b"] }).pipe(toArray()),
    );
    assert.deepEqual(
      events.filter((event) => event.type === "started").map((event) => event.host),
      ["b"],
    );
    const lists = doneOf(events);
    assert.deepEqual([...lists.keys()], ["b"]);
    assert.deepEqual(lists.get("b")!.flatMap((image) => image.tags), [name]);

    // get's result on each host is the model, named as asked.
    const got = doneOf(await lastValueFrom(fleet.images.get(name).pipe(toArray())));
    assert.deepEqual([...got.keys()].sort(), ["a", "b"]);
    for (const image of got.values()) assert.equal(image.name, name);

    // load's result is every image loaded, as its await twin gives it.
    const image = got.get("a")!;
    const archive = await image.promises.save({ named: name });
    const loaded = doneOf(
      await lastValueFrom(fleet.images.load(archive, { hosts: ["a"] }).pipe(toArray())),
    );
    assert.deepEqual(loaded.get("a")!.map((each) => each.id), [image.id]);
  } finally {
    await fleet.client("a").images.promises.remove(name, { force: true }).catch(() => undefined);
  }
});

Deno.test("fleet.manifests and an unknown host: the operation's own words, before anything is sent", async () => {
  await using fleet = twoHosts();
  const list = `localhost/${uniqueName("podrx-forms-list")}:1`;
  const exists = doneOf(await lastValueFrom(fleet.manifests.exists(list).pipe(toArray())));
  assert.deepEqual([...exists.entries()].sort(), [["a", false], ["b", false]]);
  await assert.rejects(
    lastValueFrom(fleet.images.get("busybox", { hosts: ["c"] })),
    (error: unknown) =>
      error instanceof TypeError &&
      error.message.startsWith(`Cannot get image "busybox": the fleet has no host "c"`),
  );
});

Deno.test("fleet.run: an operation that throws when made is that host's failure, after its start", async () => {
  await using fleet = twoHosts();
  const { values: events, error } = await collect(
    fleet.run("Cannot ping", (client, host) => {
      if (host === "b") throw new RangeError("b cannot be asked");
      return client.ping();
    }),
  );
  assert.deepEqual(
    events.filter((event) => event.host === "b").map((event) => event.type),
    ["started", "failed"],
  );
  assert.equal(doneOf(events).get("a"), true);
  assert.ok(error instanceof FleetError);
  assert.deepEqual(error.failures.map((failure) => failure.host), ["b"]);
  assert.ok(error.failures[0]!.error instanceof RangeError);
  assert.equal(error.failures[0]!.error.message, "b cannot be asked");
});

Deno.test("streams on two hosts: a streamed Dockerfile is read once and built on both; a streamed context is refused before either starts", async () => {
  await using fleet = twoHosts();
  const name = `localhost/${uniqueName("podrx-forms-stream")}:1`;
  const dockerfile = new TextEncoder().encode(`FROM scratch\nLABEL podrx.test=${name}\n`);
  const stream = (bytes: Uint8Array) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
  try {
    const building = fleet.images.build({ fileobj: stream(dockerfile), tag: name });
    const built = doneOf(await lastValueFrom(building.pipe(toArray())));
    assert.deepEqual([...built.keys()].sort(), ["a", "b"]);
    // The stream fed one subscription; a second one is refused in the build's own words.
    await assert.rejects(lastValueFrom(building), (error) => {
      assert.ok(error instanceof PodmanError, String(error));
      assert.match(error.message, new RegExp(`^Cannot build image "${name}": the fileobj stream`));
      return true;
    });
    const image = await fleet.client("b").images.promises.get(name);
    assert.equal(image.labels["podrx.test"], name);

    // A whole context may be large: it is not read into memory for every host, so refused.
    const context = stream(await singleFileTar("Dockerfile", dockerfile));
    await assert.rejects(
      lastValueFrom(fleet.images.build({ customContext: context, dockerfile: "Dockerfile" })),
      (error) => {
        // The argument's error itself, not a FleetError: no host started.
        assert.ok(error instanceof TypeError, String(error));
        assert.match(error.message, /^Cannot build .*read once.*on 2 hosts$/);
        return true;
      },
    );
    assert.equal(context.locked, false, "the refused stream was read");
  } finally {
    await fleet.client("a").images.promises.remove(name, { force: true }).catch(() => undefined);
  }
});
