// deno-lint-ignore-file no-console -- the example reports on the terminal
/**
 * One image rolled out to a fleet of hosts: {@linkcode rollOut} builds an image once on the
 * build host, distributes it to the other hosts as one stream (one save, loaded everywhere at
 * once), then again through a registry (one push, a pull on every other host), and checks that
 * every host has the build host's image id.
 *
 * `deno task demo:fleet` (tools/demo_fleet.ts) runs it against four private Podman services
 * (one build host, three edge hosts, each with its own empty storage) and a local registry that
 * it starts and stops again. No internet: the image is built `FROM scratch`.
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
import { type Fleet, fleetProgress, renderFleetProgress } from "../mod.ts";

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
