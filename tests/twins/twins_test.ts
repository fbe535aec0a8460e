// Every Observable method is an Operation and has its await twin, on every object that has
// Observable methods: the twins are made at run time from the methods (`awaitTwins`), so this
// pins that each one is there and really awaits.
import assert from "node:assert/strict";
import { isObservable } from "rxjs";
import { Operation, PodmanClient } from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { importImage, uniqueName } from "../images/_fixtures.ts";
import { registryDataOf } from "../images/_registry_data.ts";
import { methodNames } from "./_method_names.ts";

const bed = testBed();

/**
 * The methods whose call gives an Observable (not subscribed, so nothing is sent). Probe a
 * throwaway object: its other methods run too (`close()` among them).
 */
function observableMethods(probe: object, args: Record<string, unknown[]>): string[] {
  return methodNames(probe).filter((name) => {
    const method = (probe as Record<string, (...a: unknown[]) => unknown>)[name]!;
    try {
      const result = method.apply(probe, args[name] ?? ["x"]);
      if (result instanceof Promise) result.catch(() => undefined);
      return isObservable(result);
    } catch {
      return false;
    }
  }).sort();
}

/** The operations among `names` (each an Operation) whose twin is missing. */
function withoutTwin(
  probe: object,
  twins: object,
  names: string[],
  args: Record<string, unknown[]>,
) {
  return names.filter((name) => {
    const method = (probe as Record<string, (...a: unknown[]) => unknown>)[name]!;
    const result = method.apply(probe, args[name] ?? ["x"]);
    assert.ok(result instanceof Operation, `${name} returns an Operation`);
    return typeof (twins as Record<string, unknown>)[name] !== "function";
  });
}

Deno.test("every Observable method of the client, the managers, Image and RegistryData has an await twin", async () => {
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const name = `localhost/${uniqueName("podrx-twins")}:1`;
  await importImage(name);
  try {
    const image = await podman.images.promises.get(name);
    const probe = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
    const dataOf = (client: PodmanClient) => registryDataOf(client, name, image.id);
    const args = {
      build: [{ path: "." }],
      load: [new Uint8Array(1)],
      saveToFile: ["x.tar"],
      // The client's promise methods take a signal, not a name.
      request: [{ path: "/_ping", action: "probe" }],
      apiVersion: [],
      apiMajorVersion: [],
      connectionKind: [],
      keepOpenUntil: [Promise.resolve()],
      registryCredentials: ["localhost/x:1", "probe"],
      close: [],
    };
    const cases: [string, object, object][] = [
      ["ImagesManager", probe.images, podman.images.promises],
      ["Image", probe.images.prepareModel(image.attrs), image.promises],
      ["RegistryData", dataOf(probe), dataOf(podman).promises],
      ["ArtifactsManager", probe.artifacts, podman.artifacts.promises],
      ["ManifestsManager", probe.manifests, podman.manifests.promises],
      [
        "Manifest",
        probe.manifests.prepareModel("localhost/x:1", { manifests: [] }),
        podman.manifests.prepareModel("localhost/x:1", { manifests: [] }).promises,
      ],
      ["CredentialsManager", probe.credentials, podman.credentials.promises],
      // Last: probing the client calls its close() too.
      ["PodmanClient", probe, podman.promises],
    ];
    for (const [what, object, twins] of cases) {
      const observables = observableMethods(object, args);
      assert.ok(observables.length > 0, what);
      assert.deepEqual(withoutTwin(object, twins, observables, args), [], what);
    }
    await probe.close();
    // The twins really await: each resolves with what its Observable emits last.
    assert.equal(await podman.promises.ping(), true);
    assert.equal((await image.promises.reload()).id, image.id);
    assert.equal(await image.promises.tag(`localhost/${uniqueName("podrx-twins")}`, "2"), true);
    assert.equal((await image.promises.history()).length > 0, true);
    const archive = await image.promises.save();
    assert.deepEqual((await podman.images.promises.load(archive)).map((each) => each.id), [
      image.id,
    ]);
  } finally {
    await podman.images.promises.remove(name, { force: true }).catch(() => undefined);
  }
});
