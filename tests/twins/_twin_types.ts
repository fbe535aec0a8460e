// The await twins and the fleet's forms are made from the methods' types, overloads included:
// these lines fail the type check (`deno task check` checks every file under tests/) if a
// result type drifts. Nothing here runs: the assertions are the types.
import type {
  Artifact,
  BuildEvent,
  BuildResult,
  Fleet,
  FleetEvent,
  Image,
  Manifest,
  PodmanClient,
  PulledEvent,
  PullEvent,
  PushedEvent,
  VersionReport,
} from "../../mod.ts";
import type { Observable } from "rxjs";

type Same<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false;

/** Never called: its body is checked, not run. */
export async function twinTypes(podman: PodmanClient, fleet: Fleet, image: Image): Promise<void> {
  true satisfies Same<Awaited<ReturnType<typeof podman.images.promises.get>>, Image>;
  const one = await podman.images.promises.pull("alpine", { onProgress: (_: PullEvent) => {} });
  true satisfies Same<typeof one, Image>;
  const every = await podman.images.promises.pull("alpine", { allTags: true });
  true satisfies Same<typeof every, Image[]>;
  const pushed = await podman.images.promises.push("localhost/app");
  true satisfies Same<typeof pushed, PushedEvent>;
  const pushedAll = await podman.images.promises.push("localhost/app", { allTags: true });
  true satisfies Same<typeof pushedAll, PushedEvent[]>;
  const built = await podman.images.promises.build({ path: "." });
  true satisfies Same<typeof built, BuildResult>;
  const loaded = await podman.images.promises.load(new Uint8Array());
  true satisfies Same<typeof loaded, Image[]>;
  const saved = await image.promises.save();
  true satisfies Same<typeof saved, Uint8Array>;
  const list = await podman.manifests.promises.create("localhost/list");
  true satisfies Same<typeof list, Manifest>;
  const artifact = await podman.artifacts.promises.pull("localhost/model");
  true satisfies Same<typeof artifact, Artifact>;
  const version = await podman.promises.version();
  true satisfies Same<typeof version, VersionReport>;
  const pulls = fleet.images.pull("alpine", { hosts: ["a"], tlsVerify: false });
  true satisfies Same<typeof pulls, Observable<FleetEvent<PullEvent, Image>>>;
  const builds = fleet.images.build({ path: ".", concurrency: 2 });
  true satisfies Same<
    typeof builds,
    Observable<FleetEvent<BuildEvent, BuildResult>>
  >;
  true satisfies Same<Extract<PullEvent, { type: "pulled" }>, PulledEvent>;
}
