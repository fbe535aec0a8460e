/**
 * Fleet case, the podrx side: `fleet.images.distribute()` of one image from a source service to
 * every other service, by the stream route or the registry route.
 *
 * Params: `{ source, targets, image, registry? }`: socket paths, the image's name, and for
 * the registry route the registry's `host:port` (plain HTTP).
 *
 * @module
 */

import { filter, lastValueFrom, toArray } from "rxjs";
import { Fleet } from "../../mod.ts";
import { report } from "../_measure.ts";

const params = JSON.parse(Deno.args[0]!) as {
  source: string;
  targets: string[];
  image: string;
  registry?: string;
};
const hosts: Record<string, string> = { source: `unix://${params.source}` };
params.targets.forEach((socket, index) => hosts[`host-${index + 1}`] = `unix://${socket}`);
// Clients made from URLs: closing the fleet closes them, the services keep running.
await using fleet = new Fleet(hosts);
const started = performance.now();
const done = await lastValueFrom(
  fleet.images.distribute(params.image, {
    from: "source",
    ...(params.registry ? { via: { registry: params.registry, tlsVerify: false } } : {}),
  }).pipe(filter((event) => event.type === "done"), toArray()),
);
const opMs = performance.now() - started;
report({ opMs, hosts: done.length, ids: [...new Set(done.map((event) => event.result.id))] });
