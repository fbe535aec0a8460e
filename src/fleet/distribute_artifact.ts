import { defer, type Observable } from "rxjs";
import { PodmanError } from "../errors.ts";
import { shortId } from "../vocabulary/image_id.ts";
import type { HostList } from "./_host_list.ts";
import { pushThenPull, transferOptions } from "./_push_then_pull.ts";
import { sourceFailed, withSource } from "./_source_lookup.ts";
import type { DistributeArtifactEvent, DistributedArtifact } from "./distribute_artifact_event.ts";
import type { DistributeArtifactOptions } from "./distribute_artifact_options.ts";
import type { FleetEvent } from "./fleet_event.ts";

/**
 * `fleet.artifacts.distribute`: looks the artifact up on the source, pushes it to the
 * registry its name points to (Podman pushes an artifact to its own name only), then pulls
 * that name on every target; each target must end with the source's digest.
 */
export function distributeArtifact(
  hosts: HostList,
  name: string,
  options: DistributeArtifactOptions,
): Observable<FleetEvent<DistributeArtifactEvent, DistributedArtifact>> {
  const action = `Cannot distribute artifact "${name}"`;
  return defer(() => {
    const { source, targets } = hosts.sourceAndTargets(options.from, options.hosts, action);
    const timeout = options.timeout === undefined ? {} : { timeout: options.timeout };
    const lookup = source.client.artifacts.get(name, timeout);
    return withSource(action, source, targets, lookup, (artifact) => {
      const digest = artifact.digest;
      if (digest === undefined) {
        throw sourceFailed(
          action,
          source,
          targets,
          new PodmanError(`${action}: the source reports no digest for it`),
        );
      }
      // By its name in the store, which is where the push goes, even when `name` is a digest.
      const reference = artifact.name;
      return pushThenPull<DistributeArtifactEvent, DistributedArtifact>({
        action,
        source,
        targets,
        push: () =>
          source.client.artifacts.push(
            reference,
            transferOptions(options, source.name, options.timeout),
          ),
        pull: (target) =>
          target.client.artifacts.pull(
            reference,
            transferOptions(options, target.name, options.timeout),
          ),
        result: (previous, event) => {
          if (event.type === "pushed") return { digest, artifact };
          if (event.type !== "pulled") return previous;
          return { digest: event.artifact.digest ?? event.digest, artifact: event.artifact };
        },
        verify: (result, host) => {
          if (result.digest !== digest) {
            throw new PodmanError(
              `${action} to ${host}: it has digest ${shortId(result.digest)}, ` +
                `the source has ${shortId(digest)}`,
            );
          }
        },
      }, options);
    });
  });
}
