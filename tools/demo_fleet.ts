// deno-lint-ignore-file no-console -- the demo reports on the terminal
/**
 * `deno task demo:fleet`: the fleet rollout example (examples/fleet_rollout.ts) with nothing set
 * up beforehand. It starts four private Podman services (one build host, three edge hosts, each
 * with its own empty storage) and a local registry, runs {@linkcode rollOut} on them (build once,
 * distribute as one stream, then through the registry, check every host's image id), and stops
 * everything again. No internet: the image is built `FROM scratch`.
 *
 * ```sh
 * deno task demo:fleet
 * ```
 *
 * @module
 */

import { Fleet, FleetError, PodmanClient } from "../mod.ts";
import { startRegistry } from "../tests/bed/registry.ts";
import { rollOut } from "../examples/fleet_rollout.ts";

async function main(): Promise<number> {
  console.log("podrx fleet demo: starting a registry and four private Podman services");
  await using registry = await startRegistry();
  const spawned = await Promise.all(
    [0, 1, 2, 3].map(() =>
      PodmanClient.spawn({
        storage: "private",
        storageDriver: "vfs",
        env: { BUILDAH_ISOLATION: "chroot" },
        handleSignals: false,
      })
    ),
  );
  // The fleet owns the clients: disposing of it stops the four services.
  await using fleet = new Fleet({
    build: spawned[0]!,
    "edge-1": spawned[1]!,
    "edge-2": spawned[2]!,
    "edge-3": spawned[3]!,
  });
  for (const name of fleet.names) {
    console.log(`  ${name.padEnd(8)} ${fleet.client(name).service?.socketPath}`);
  }
  const context = await Deno.makeTempDir({ prefix: "podrx-fleet-demo-" });
  try {
    await Deno.writeTextFile(`${context}/hello.txt`, `hello from ${new Date().toISOString()}\n`);
    await Deno.writeTextFile(
      `${context}/Containerfile`,
      'FROM scratch\nCOPY hello.txt /\nLABEL org.opencontainers.image.title="podrx fleet demo"\n',
    );
    await rollOut(fleet, {
      build: "build",
      context,
      tag: `localhost/podrx-demo/fleet:${Date.now().toString(36)}`,
      registry: registry.address,
    });
    console.log("\ndone: every host has the same image; stopping the services");
    return 0;
  } catch (error) {
    if (error instanceof FleetError) {
      for (const { host, error: cause } of error.failures) {
        console.error(`✘ ${host}: ${cause.message}`);
      }
    } else console.error(`✘ ${(error as Error).message}`);
    return 1;
  } finally {
    await Deno.remove(context, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main());
