import assert from "node:assert/strict";
import { lastValueFrom, toArray } from "rxjs";
import { Fleet } from "../../src/fleet/fleet.ts";
import { PodmanError } from "../../src/errors.ts";
import { testBed } from "../bed/env.ts";
import { withConfigHome } from "../client/_config_home.ts";
import { spawnHosts } from "./_hosts.ts";

const bed = testBed();

Deno.test("Fleet.fromConnections() makes one host per named connection, of both files", async () => {
  // A second service with an empty storage: only the bed's has the labeled image, so each
  // host's answer shows which service its connection reached.
  const [second] = await spawnHosts(1);
  await using _second = second!;
  await withConfigHome(async (home) => {
    const conf = await home.writeConf(
      `[engine]\n[engine.service_destinations.second]\nuri = "unix://${
        second!.service!.socketPath
      }"\n`,
    );
    const json = await home.writeJson({
      Connection: {
        Default: "bed",
        Connections: { bed: { URI: `unix://${bed.socketPath}`, Identity: "" } },
      },
      Farm: {},
    });

    {
      await using fleet = await Fleet.fromConnections();
      assert.deepEqual([...fleet.names].sort(), ["bed", "second"]);
      const events = await lastValueFrom(fleet.images.exists(bed.labeledImage).pipe(toArray()));
      const answers = Object.fromEntries(
        events.flatMap((event) => event.type === "done" ? [[event.host, event.result]] : []),
      );
      assert.deepEqual(answers, { bed: true, second: false });
    }
    {
      await using fleet = await Fleet.fromConnections({ names: ["second"] });
      assert.deepEqual(fleet.names, ["second"]);
      const events = await lastValueFrom(fleet.images.list().pipe(toArray()));
      const done = events.filter((event) => event.type === "done");
      assert.deepEqual(done.map((event) => [event.host, event.result.length]), [["second", 0]]);
    }

    const unknown = await Fleet.fromConnections({ names: ["second", "edge9"] }).catch(
      (error: unknown) => error,
    );
    assert.ok(unknown instanceof TypeError, String(unknown));
    assert.match(
      unknown.message,
      /^Cannot create Fleet from Podman's connections: no connection is named "edge9" \(read /,
    );
    assert.ok(unknown.message.includes(conf) && unknown.message.includes(json), unknown.message);

    await Deno.remove(conf);
    await Deno.remove(json);
    const none = await Fleet.fromConnections().catch((error: unknown) => error);
    assert.ok(none instanceof PodmanError, String(none));
    assert.match(
      none.message,
      /^Cannot create Fleet from Podman's connections: no connections are configured/,
    );
  });
});
