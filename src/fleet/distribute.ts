import { defer, type Observable, throwError } from "rxjs";
import type { DistributeOutcome } from "./_distributed_result.ts";
import type { HostList } from "./_host_list.ts";
import { distributeAsStream } from "./distribute_as_stream.ts";
import type { DistributeOptions } from "./distribute_options.ts";
import { distributeViaRegistry } from "./distribute_via_registry.ts";

/**
 * {@linkcode Fleet.distribute}: finds the source and the targets among the fleet's hosts, then
 * takes the route `via` names; a bad route is a `TypeError` on subscribe.
 */
export function distribute(
  hosts: HostList,
  name: string,
  options: DistributeOptions,
): Observable<DistributeOutcome> {
  const action = `Cannot distribute "${name}"`;
  return defer(() => {
    const { source, targets } = hosts.sourceAndTargets(options.from, options.hosts, action);
    const via = options.via ?? "stream";
    if (via === "stream") return distributeAsStream(source, targets, name, options);
    if (typeof via !== "object" || typeof via.registry !== "string" || via.registry === "") {
      return throwError(() =>
        new TypeError(`${action}: via must be "stream" or { registry: "host[:port]" }`)
      );
    }
    return distributeViaRegistry(source, targets, name, via, options);
  });
}
