/**
 * A multi-platform release as ONE RxJS pipeline: build the image for linux/amd64 and
 * linux/arm64 into a manifest list (log lines tagged with their platform), push the list
 * with both images, read it back from the registry (its digest and platforms), and pull one
 * platform's image, checking its architecture. The manifest list is removed at the end: on
 * Podman 4.3 a stored list can break image listing.
 *
 * The image is `FROM scratch` + `COPY`: no `RUN` step, so no emulation is needed for arm64.
 *
 * ```sh
 * deno run -A examples/multiplatform_release.ts --url unix:///run/podman/podman.sock \
 *   --registry 127.0.0.1:5000 --tls-verify=false
 * ```
 *
 * Flags: `--url URL` or `--spawn` (as in the other examples); `--registry HOST:PORT`;
 * `--tls-verify=false` for a plain-HTTP registry; `--repository` (default
 * `podrx-demo/multi`); `--tag` (default: a new one per run); `--pull` (the platform to pull
 * back, default `linux/arm64`). `deno task demo multiplatform` runs it against a registry and
 * a service that it starts.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { concatMap, defer, filter, last, map, type Observable, tap } from "rxjs";
import type { PodmanClient } from "../mod.ts";
import {
  connect,
  CONNECTION_OPTIONS,
  finish,
  type Outcome,
  runUntilDone,
  tlsVerify,
  usage,
} from "./_cli.ts";
import { Screen } from "./_display.ts";

const USAGE = `Usage: deno run -A examples/multiplatform_release.ts [--url URL | --spawn]
  --registry HOST:PORT [--tls-verify=false] [--repository PATH] [--tag TAG] [--pull PLATFORM]`;

/** The platforms every release is built for. */
export const RELEASE_PLATFORMS: readonly string[] = ["linux/amd64", "linux/arm64"];

/** What the release needs to know. */
export interface ReleaseSettings {
  /** Registry to push to, `host:port`. */
  registry: string;
  /** Repository path, e.g. `podrx-demo/multi`. */
  repository: string;
  /** Tag, locally and in the registry. */
  tag: string;
  /** `false` for a plain-HTTP registry. */
  tlsVerify?: boolean | undefined;
  /** The platform to pull back. */
  pullPlatform: string;
}

/** What the release did. */
export interface ReleaseReport {
  /** Each platform's image id, as built. */
  built: Record<string, string>;
  /** Where the list went, and the digest the server reported for it. */
  pushed: string;
  /** The registry's digest of the index, read back. */
  registryDigest: string;
  /** The platforms the registry lists. */
  registryPlatforms: string[];
  /** The platform pulled, and the architecture of the image pulled. */
  pulled: { platform: string; architecture: string; id: string };
}

/**
 * The release as one cold Observable: build -> push -> read back -> pull. Each step starts
 * when the one before completes; unsubscribing cancels whichever step is running.
 */
export function release(
  client: PodmanClient,
  settings: ReleaseSettings,
  context: string,
  screen: Screen,
): Observable<ReleaseReport> {
  const list = `localhost/${settings.repository}:${settings.tag}`;
  const destination = `${settings.registry}/${settings.repository}:${settings.tag}`;
  const tls = settings.tlsVerify === undefined ? {} : { tlsVerify: settings.tlsVerify };
  const report: Partial<ReleaseReport> = {};
  return client.images.build({ path: context, platform: [...RELEASE_PLATFORMS], manifest: list })
    .pipe(
      tap((event) => {
        if (event.type === "log") screen.print(`  │ ${event.line.trimEnd()}`);
      }),
      filter((event) => event.type === "builtManifest"),
      tap((event) => {
        report.built = Object.fromEntries(
          event.images.map((entry) => [entry.platform, entry.image.id]),
        );
        for (const entry of event.images) {
          screen.print(`✔ built ${entry.platform}  ${entry.image.shortId}`);
        }
      }),
      concatMap(() => client.manifests.get(list)),
    ).pipe(
      concatMap((manifest) => manifest.push(destination, tls)),
      tap((event) => event.type === "status" && screen.print(`  │ ${event.message}`)),
      last(),
      tap((event) => {
        report.pushed = `${destination} ${event.type === "pushed" ? event.digest ?? "" : ""}`;
        screen.print(`✔ pushed ${report.pushed}`);
      }),
      concatMap(() => client.images.getRegistryData(destination, tls)),
    ).pipe(
      tap((data) => {
        const platforms = data.platforms.map((entry) => `${entry.os}/${entry.architecture}`);
        report.registryDigest = data.id;
        report.registryPlatforms = platforms;
        screen.print(`✔ registry: ${data.id} for ${platforms.join(", ")}`);
        for (const platform of RELEASE_PLATFORMS) {
          if (!data.hasPlatform(platform)) throw new Error(`The registry lacks ${platform}`);
        }
      }),
      // The local list goes before the pull, which then stores a plain image.
      concatMap(() => client.manifests.remove(list)),
      concatMap(() => client.images.pull(destination, { platform: settings.pullPlatform, ...tls })),
      filter((event) => event.type === "pulled"),
      map((event) => {
        const architecture = String(event.image.attrs.Architecture);
        report.pulled = { platform: settings.pullPlatform, architecture, id: event.image.id };
        if (!settings.pullPlatform.split("/").includes(architecture)) {
          throw new Error(`Pulled ${architecture}, not ${settings.pullPlatform}`);
        }
        screen.print(`✔ pulled ${settings.pullPlatform}: architecture ${architecture}`);
        return report as ReleaseReport;
      }),
    );
}

/**
 * Runs {@linkcode release} with a generated context in a temp directory, then removes the
 * directory and, whatever happened, the local manifest list.
 */
export async function runRelease(
  client: PodmanClient,
  settings: ReleaseSettings,
  screen: Screen,
): Promise<Outcome<ReleaseReport>> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-release-" });
  try {
    await Deno.writeTextFile(`${dir}/Containerfile`, "FROM scratch\nCOPY release.txt /\n");
    await Deno.writeTextFile(`${dir}/release.txt`, `${settings.repository}:${settings.tag}\n`);
    return await runUntilDone(defer(() => release(client, settings, dir, screen)));
  } finally {
    const list = `localhost/${settings.repository}:${settings.tag}`;
    await client.manifests.promises.remove(list).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      ...CONNECTION_OPTIONS,
      registry: { type: "string" },
      "tls-verify": { type: "string" },
      repository: { type: "string", default: "podrx-demo/multi" },
      tag: { type: "string" },
      pull: { type: "string", default: "linux/arm64" },
    },
  });
  if (values.help) usage(USAGE);
  if (!values.registry) usage(USAGE, "--registry is required");
  const screen = new Screen();
  const client = await connect(values);
  const outcome = await runRelease(client, {
    registry: values.registry,
    repository: values.repository,
    tag: values.tag ?? `release-${Date.now().toString(36)}`,
    tlsVerify: tlsVerify(values["tls-verify"], USAGE),
    pullPlatform: values.pull,
  }, screen);
  await finish(client, outcome, screen);
}
