// deno-lint-ignore-file no-console -- the example reports on the terminal
/**
 * `deno task demo:fleet`: one image rolled out to a fleet of hosts. It starts four private
 * Podman services (one build host, three edge hosts, each with its own empty storage) and a
 * local registry, builds an image once on the build host, distributes it to the edge hosts
 * as one stream (one save, loaded everywhere at once), then again through the registry (one
 * push, a pull on every edge host), checks that every host has the build host's image id,
 * and stops everything again. No internet: the image is built `FROM scratch`.
 *
 * ```sh
 * deno task demo:fleet
 * ```
 *
 * {@linkcode rollOut} is the part to copy: it takes any {@linkcode Fleet}.
 *
 * @module
 */

import { filter, lastValueFrom, tap } from "rxjs";
import { Fleet, FleetError, fleetProgress, PodmanClient, renderFleetProgress } from "../mod.ts";
import { startRegistry } from "../tests/bed/registry.ts";

/** How {@linkcode rollOut} builds and moves the image. */
export interface RolloutOptions {
  /** The host that builds. */
  build: string;
  /** A folder with a Containerfile. */
  context: string;
  /** The image's name, e.g. `localhost/app:1`. */
  tag: string;
  /** Also distribute through this registry (`host:port`, plain HTTP). */
  registry?: string;
}

/** Builds once, distributes to every other host, and checks every host's id. */
export async function rollOut(fleet: Fleet, options: RolloutOptions): Promise<string> {
  const built = await lastValueFrom(
    fleet.images.build({ path: options.context, tag: options.tag, hosts: [options.build] }).pipe(
      filter((event) => event.type === "done"),
    ),
  );
  const id = built.result.image.id;
  console.log(`built ${options.tag} (${id.slice(0, 12)}) on ${options.build}`);

  console.log("\nas one stream: one save on the build host, loaded into every edge host at once");
  await lastValueFrom(
    fleet.images.distribute(options.tag, { from: options.build }).pipe(
      fleetProgress({ hosts: fleet.names }),
      renderFleetProgress(),
    ),
  );
  if (options.registry) {
    console.log(`\nthrough the registry ${options.registry}: one push, a pull on every edge host`);
    await lastValueFrom(
      fleet.images.distribute(options.tag, {
        from: options.build,
        via: { registry: options.registry, tlsVerify: false },
        retry: { count: 2, delay: 500 },
      }).pipe(fleetProgress({ hosts: fleet.names }), renderFleetProgress()),
    );
  }

  console.log("\nverify: the image's id on every host");
  await lastValueFrom(
    fleet.images.get(options.tag).pipe(
      tap((event) => {
        if (event.type !== "done") return;
        const same = event.result.id === id;
        console.log(
          `  ${same ? "✔" : "✘"} ${event.host.padEnd(8)} ${event.result.id.slice(0, 12)}`,
        );
        if (!same) throw new Error(`${event.host} has another image`);
      }),
    ),
  );
  return id;
}

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
