// deno-lint-ignore-file no-console -- the demo reports on the terminal
/**
 * `deno task demo`: runs the pipeline example (examples/pipeline.ts: build -> tag -> push -> pull
 * -> save -> load) with nothing set up beforehand. It starts a local registry (Debian's
 * `docker-registry`) and a private Podman service with its own, empty storage, runs the pipeline
 * against them, and stops both again. No internet: the image is built `FROM scratch`.
 *
 * ```sh
 * deno task demo                 # the pipeline
 * deno task demo multiplatform   # examples/multiplatform_release.ts: two platforms, one list
 * ```
 *
 * Needs `podman`, `docker-registry` and, for a `RUN` step with live output, `busybox-static`
 * (`./.ci/install` installs all three).
 *
 * @module
 */

import { startRegistry } from "../tests/bed/registry.ts";
import { EXIT, messageOf, type Outcome } from "../examples/_cli.ts";
import { Screen } from "../examples/_display.ts";
import { type PipelineReport, runPipeline, staticBusybox } from "../examples/pipeline.ts";
import { type ReleaseReport, runRelease } from "../examples/multiplatform_release.ts";
import { PodmanClient } from "../mod.ts";

function registriesConf(registry: string): string {
  // The registry speaks plain HTTP; no search registries, so nothing is looked up elsewhere.
  return [
    "unqualified-search-registries = []",
    "",
    "[[registry]]",
    `location = ${JSON.stringify(registry)}`,
    "insecure = true",
    "",
  ].join("\n");
}

/** Starts the registry and the service, runs the pipeline, and stops both again. */
async function runWithServices(
  screen: Screen,
  busybox: string | undefined,
  multiplatform: boolean,
): Promise<Outcome<PipelineReport | ReleaseReport>> {
  // The registry starter of the test bed (tests/bed/registry.ts): the demo needs the same.
  await using registry = await startRegistry();
  const confDir = await Deno.makeTempDir({ prefix: "podrx-demo-" });
  try {
    const conf = `${confDir}/registries.conf`;
    await Deno.writeTextFile(conf, registriesConf(registry.address));
    await using podman = await PodmanClient.spawn({
      storage: "private",
      env: { BUILDAH_ISOLATION: "chroot" },
      registriesConf: conf,
      // The pipeline cancels its request on Ctrl-C; `await using` then stops the service.
      handleSignals: false,
    });
    const version = await podman.apiVersion();
    screen.print(`  registry        ${registry.address}`);
    screen.print(`  podman service  ${podman.service?.socketPath} (API ${version})`);
    screen.print(`  storage         ${podman.service?.root} (private, removed at the end)`);
    if (!busybox) screen.print("  (no static /bin/busybox: the image gets no RUN step)");
    screen.print("");
    if (multiplatform) {
      return await runRelease(podman, {
        registry: registry.address,
        repository: "podrx-demo/multi",
        tag: `demo-${Date.now().toString(36)}`,
        tlsVerify: false,
        pullPlatform: "linux/arm64",
      }, screen);
    }
    return await runPipeline(podman, {
      registry: registry.address,
      repository: "podrx-demo/app",
      tag: `demo-${Date.now().toString(36)}`,
      tlsVerify: false,
      busybox,
    }, screen);
  } finally {
    screen.settle();
    await Deno.remove(confDir, { recursive: true }).catch(() => {});
  }
}

async function main(): Promise<number> {
  const screen = new Screen();
  const busybox = await staticBusybox();
  screen.print("podrx demo: starting a registry and a private Podman service");
  const outcome = await runWithServices(screen, busybox, Deno.args.includes("multiplatform"));
  if (outcome.kind === "failed") {
    console.error(`✘ ${messageOf(outcome.error)}`);
    return EXIT.failed;
  }
  if (outcome.kind === "interrupted") {
    console.error("Interrupted: the request was cancelled");
    return EXIT.interrupted;
  }
  console.log("podrx demo: done; the registry and the service are stopped again.");
  return EXIT.ok;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(`podrx demo: ${messageOf(error)}`);
    Deno.exit(EXIT.failed);
  }
}
