import { defer, finalize, map, Observable, type Subscriber } from "rxjs";
import { fanOut } from "./_fan_out.ts";
import { distributedResult, type DistributeOutcome } from "./_distributed_result.ts";
import { sourceArchive } from "./_source_archive.ts";
import { namedById, sameIdAsSource, withSourceImage } from "./_source_image.ts";
import type { DistributedImage, DistributeEvent } from "./distribute_event.ts";
import type { DistributeOptions } from "./distribute_options.ts";
import type { FleetHost } from "./fleet_host.ts";
import { type HostRun, runOnHosts } from "./run_on_hosts.ts";

/**
 * The stream route of {@linkcode Fleet.distribute}: one save request on the source, its body
 * split between the targets' load requests, each read at the pace of the slowest.
 */
export function distributeAsStream(
  source: FleetHost,
  targets: readonly FleetHost[],
  name: string,
  options: DistributeOptions,
): Observable<DistributeOutcome> {
  const action = `Cannot distribute "${name}"`;
  const timeout = options.timeout === undefined ? {} : { timeout: options.timeout };
  return withSourceImage(action, source, targets, name, options, (image) =>
    defer(() => {
      // The archive holds the name it was asked for: by name, the hosts get the tag too.
      const saveName = namedById(name, image) ? image.id : name;
      let sourceSink: Subscriber<DistributeEvent> | undefined;
      const hostSinks: (Subscriber<DistributeEvent> | undefined)[] = targets.map(() => undefined);
      const archive = sourceArchive(source, saveName, {
        read: (bytes) => sourceSink?.next({ type: "sent", bytes }),
        end: (bytes, whole) => {
          sourceSink?.next({ type: "saved", bytes, whole });
          sourceSink?.complete();
        },
        fail: (error) => sourceSink?.error(error),
      });
      const taken = targets.map(() => 0);
      const branches = fanOut(archive.stream, targets.length, {
        delivered: (branch, chunk) => {
          const bytes = (taken[branch] ?? 0) + chunk.byteLength;
          taken[branch] = bytes;
          hostSinks[branch]?.next({ type: "sent", bytes });
        },
      });
      const sourceRun: HostRun<DistributeEvent> = {
        name: source.name,
        operation: () =>
          new Observable<DistributeEvent>((subscriber) => {
            sourceSink = subscriber;
            return () => {
              sourceSink = undefined;
            };
          }),
      };
      const loads: HostRun<DistributeEvent>[] = targets.map((target, index) => ({
        name: target.name,
        operation: () =>
          new Observable<DistributeEvent>((subscriber) => {
            hostSinks[index] = subscriber;
            const loading = target.client.images.load(branches[index]!, timeout).pipe(
              map((loaded): DistributeEvent => ({ type: "loaded", image: loaded })),
            ).subscribe(subscriber);
            return () => {
              hostSinks[index] = undefined;
              loading.unsubscribe();
            };
          }),
      }));
      return runOnHosts<DistributeEvent, DistributedImage>(action, [sourceRun, ...loads], {
        failFast: options.failFast ?? false,
        result: (previous, event) => distributedResult(previous, event, () => image),
        verify: sameIdAsSource(action, image),
      }).pipe(finalize(archive.abort));
    }));
}
