/**
 * A fleet from a Node or Bun user's project: `new Fleet(...)` over two hosts that are both the
 * bed's Podman service (one given as a client, one as options), and a third whose socket does
 * not exist. Each host's events and result come tagged with its name; a failing host fails the
 * operation with a FleetError that names it, after the other hosts are done.
 *
 * @module
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectionError, Fleet, FleetError, Image, PodmanClient } from "@podrx/podrx";
import { lastValueFrom, toArray } from "rxjs";
import { bed, collect, podmanCli, runtime, TEST_TIMEOUT_MS, uniqueName } from "./_bed.mjs";

const options = { timeout: TEST_TIMEOUT_MS };

/** Each host's result, from its `done` event. */
function doneOf(events) {
  return new Map(
    events.flatMap((event) => event.type === "done" ? [[event.host, event.result]] : []),
  );
}

describe(`fleet, on ${runtime}`, () => {
  test(
    "list, get, tag, exists and remove on two hosts, each result named by its host",
    options,
    async () => {
      const fleet = new Fleet({
        a: new PodmanClient({ baseUrl: bed.baseUrl }),
        b: { baseUrl: bed.baseUrl },
      });
      const repository = uniqueName("fleet", "localhost").split(":")[0];
      try {
        assert.deepEqual(fleet.names, ["a", "b"]);
        const listEvents = await lastValueFrom(
          fleet.images.list().pipe(toArray()),
        );
        assert.deepEqual(
          listEvents.filter((event) => event.type === "started").map((event) => event.host).sort(),
          ["a", "b"],
        );
        const lists = doneOf(listEvents);
        for (const host of ["a", "b"]) {
          assert.ok(
            lists.get(host).some((image) => image.tags.includes(bed.busybox)),
            host,
          );
        }
        const got = doneOf(
          await lastValueFrom(fleet.images.get(bed.busybox).pipe(toArray())),
        );
        assert.ok(got.get("a") instanceof Image);
        assert.equal(got.get("a").id, got.get("b").id);

        // Only host a tags; both see the tag, since both are the same service.
        const tagged = doneOf(
          await lastValueFrom(
            fleet.images.tag(bed.busybox, repository, "t", { hosts: ["a"] })
              .pipe(toArray()),
          ),
        );
        assert.deepEqual([...tagged], [["a", true]]);
        const exists = doneOf(
          await lastValueFrom(
            fleet.images.exists(`${repository}:t`).pipe(toArray()),
          ),
        );
        assert.deepEqual([...exists.values()], [true, true]);
        assert.equal(
          await podmanCli(["image", "exists", `${repository}:t`]).then(
            () => true,
            () => false,
          ),
          true,
        );
        const removed = doneOf(
          await lastValueFrom(
            fleet.images.remove(`${repository}:t`, { hosts: ["b"] }).pipe(
              toArray(),
            ),
          ),
        );
        assert.ok(removed.get("b").untagged.includes(`${repository}:t`));
        assert.equal(
          await fleet.client("a").images.promises.exists(`${repository}:t`),
          false,
        );
      } finally {
        await podmanCli(["untag", bed.busybox, `${repository}:t`]).catch(
          () => {},
        );
        await fleet.close();
      }
      // close() closed the clients it holds, the one it was given too.
      const error = await fleet.client("a").images.promises.list().catch((
        error,
      ) => error);
      assert.ok(
        error instanceof ConnectionError && error.reason === "closed",
        String(error),
      );
    },
  );

  test(
    "a host that cannot be reached fails the operation with a FleetError naming it",
    options,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "podrx-npm-fleet-"));
      const fleet = new Fleet({
        good: bed.baseUrl,
        gone: `unix://${dir}/missing.sock`,
      });
      try {
        const { values, error } = await collect(
          fleet.images.exists(bed.busybox),
        );
        assert.deepEqual([...doneOf(values)], [["good", true]]);
        assert.ok(error instanceof FleetError, String(error));
        assert.deepEqual(error.failures.map((failure) => failure.host), [
          "gone",
        ]);
        assert.ok(error.failures[0].error instanceof ConnectionError);
        assert.equal(error.failures[0].error.reason, "unreachable");
        assert.match(
          error.message,
          /on 1 of 2 hosts: gone: .*no socket at this path/,
        );
      } finally {
        await fleet.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
