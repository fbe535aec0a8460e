/**
 * A fleet's form of every operation of a manager, made from the manager's own methods: the
 * same arguments, with the fleet's options (`hosts`, `concurrency`, `failFast`, `retry`)
 * beside the operation's, run on every chosen host. Each host's result is what the
 * operation's await twin would resolve to there.
 *
 * @module
 */

import { defer, type Observable } from "rxjs";
import type { Operation } from "../async/operation.ts";
import { type OperationNames, optionsIndex, type WithOptions } from "../async/twins.ts";
import type { PodmanClient } from "../podman/podman_client.ts";
import type { HostList } from "./_host_list.ts";
import { holdsStream } from "./_holds_stream.ts";
import { splitFleetOptions } from "./_split_fleet_options.ts";
import type { FleetEvent, FleetOptions } from "./fleet_event.ts";
import { runOnHosts } from "./run_on_hosts.ts";

/**
 * The fleet forms of `T`'s operations: each takes the operation's arguments, with the
 * {@linkcode FleetOptions} among its options, and streams {@linkcode FleetEvent}s whose host
 * results are the operation's result on that host (an image for `pull`, the build's result
 * for `build`, the list for `list`). Both signatures of an overloaded operation carry over.
 *
 * @example
 * ```ts check-only
 * import { Fleet, type FleetForms, type ManifestsManager } from "@podrx/podrx";
 * import { filter, lastValueFrom } from "rxjs";
 *
 * await using fleet = new Fleet({ a: "unix:///run/podman/podman.sock", b: "ssh://core@10.0.0.5" });
 * const manifests: FleetForms<ManifestsManager> = fleet.manifests;
 * // Each host's result is what `podman.manifests.promises.exists()` gives there: a boolean.
 * await manifests.exists("localhost/app:1", { hosts: ["b"] })
 *   .pipe(filter((event) => event.type === "done"))
 *   .forEach((event) => console.log(event.host, event.result));
 * await lastValueFrom(fleet.manifests.remove("localhost/app:1"));
 * ```
 */
export type FleetForms<T> = {
  [K in OperationNames<T>]: T[K] extends {
    (...args: infer A1): Operation<infer E1, infer R1>;
    (...args: infer A2): Operation<infer E2, infer R2>;
  } ? {
      (...args: WithOptions<A1, FleetOptions>): Observable<FleetEvent<E1, R1>>;
      (...args: WithOptions<A2, FleetOptions>): Observable<FleetEvent<E2, R2>>;
    }
    : never;
};

/**
 * A fleet's methods of one kind: `own` (what only a fleet does, or does its own way), and for
 * every other name the form made from the manager.
 */
export function withForms<T extends object, Own extends Partial<T>>(own: Own, forms: object): T {
  return new Proxy(own, {
    get: (target, name) => Reflect.get(name in target ? target : forms, name),
  }) as unknown as T;
}

/** The kinds of operations a fleet runs on its hosts, by the client's manager that has them. */
export type FleetKind = "images" | "manifests" | "artifacts";

/** Makes the fleet forms of the operations of every host's `kind` manager. */
export function fleetForms<K extends FleetKind>(
  hosts: HostList,
  kind: K,
): FleetForms<PodmanClient[K]> {
  const forms = new Map<PropertyKey, unknown>();
  const managerOf = (client: PodmanClient): Record<PropertyKey, unknown> =>
    client[kind] as unknown as Record<PropertyKey, unknown>;
  return new Proxy({} as FleetForms<PodmanClient[K]>, {
    get(_, name) {
      if (forms.has(name)) return forms.get(name);
      const method = managerOf(hosts.first)[name];
      if (typeof method !== "function") return undefined;
      const index = optionsIndex(method);
      const form = (...args: unknown[]): Observable<unknown> =>
        defer(() => {
          const [fleet, own] = splitFleetOptions(args[index] as FleetOptions | undefined);
          const hostArgs = [...args];
          hostArgs[index] = own;
          const run = (client: PodmanClient) =>
            (managerOf(client)[name] as (...a: unknown[]) => Operation<unknown, unknown>)
              .apply(managerOf(client), hostArgs);
          // The first host's operation says what the operation is called; nothing is sent.
          const { action } = run(hosts.first);
          const selected = hosts.select(fleet.hosts, action);
          if (selected.length > 1 && holdsStream(hostArgs)) {
            // Refused before any host starts: the first would read the stream, the others fail.
            throw new TypeError(
              `${action}: a ReadableStream is read once, so it can feed one host only; give a ` +
                `path, bytes or a Blob to run this on ${selected.length} hosts`,
            );
          }
          return runOnHosts(
            action,
            selected.map((host) => ({ name: host.name, operation: () => run(host.client) })),
            fleet,
          );
        });
      forms.set(name, form);
      return form;
    },
  });
}
