// deno-lint-ignore-file no-console -- an example reports on the terminal
/**
 * Build -> tag -> push -> pull back -> save -> load, as ONE RxJS pipeline: each step is a cold
 * Observable started by `concatMap` when the one before it completes, so the whole run is a
 * single subscription that Ctrl-C cancels wherever it is. Build logs scroll live; pull and push
 * show one bar per layer. At the end the loaded image must be the built one (same id).
 *
 * The image is made offline: `FROM scratch`, a generated file, a label and, when the static
 * busybox is at hand (Debian's `busybox-static`), a `RUN` step that prints as it goes.
 *
 * ```sh
 * deno run -A examples/pipeline.ts --url unix:///run/podman/podman.sock \
 *   --registry 127.0.0.1:5000 --tls-verify=false
 * ```
 *
 * Flags: `--url URL` (else `CONTAINER_HOST` or Podman's default connection) or `--spawn` (a
 * private, throwaway service); `--registry HOST:PORT` to push to and pull from;
 * `--tls-verify=false` for a plain-HTTP registry; `--repository` (default `podrx-demo/app`);
 * `--tag` (default: a new one per run); `--busybox PATH` (default `/bin/busybox`, if static).
 * `deno task demo` runs this against a registry and a service that it starts.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { concatMap, defer, last, map, type Observable } from "rxjs";
import {
  type BuiltEvent,
  type Image,
  type PodmanClient,
  progress,
  type PulledEvent,
} from "../mod.ts";
import {
  connect,
  CONNECTION_OPTIONS,
  finish,
  type Outcome,
  runUntilDone,
  tlsVerify,
  usage,
} from "./_cli.ts";
import { formatBytes } from "../mod.ts";
import { Screen, showBuild, showStep, showTransfer } from "./_display.ts";

const USAGE = `Usage: deno run -A examples/pipeline.ts [--url URL | --spawn]
  --registry HOST:PORT [--tls-verify=false] [--repository PATH] [--tag TAG] [--busybox PATH]`;

/** What the pipeline needs to know. */
export interface PipelineSettings {
  /** Registry to push to and pull back from, `host:port`. */
  registry: string;
  /** Repository path, e.g. `podrx-demo/app`; built as `localhost/<path>:<tag>`. */
  repository: string;
  /** Tag of the image, locally and in the registry. */
  tag: string;
  /** `false` for a plain-HTTP registry; the server's default when left out. */
  tlsVerify?: boolean | undefined;
  /** A static busybox to copy into the image for a `RUN` step; none leaves the step out. */
  busybox?: string | undefined;
}

/** What the pipeline did, step by step. */
export interface PipelineReport {
  /** Id of the image built. */
  builtId: string;
  /** Where it was pushed: `<registry>/<repository>:<tag>`. */
  pushed: string;
  /** Id of the image pulled back. */
  pulledId: string;
  /** Size of the saved archive in bytes. */
  archiveBytes: number;
  /** Id of the image loaded from the archive. */
  loadedId: string;
}

/**
 * Writes a build context into `dir`: a Containerfile `FROM scratch` with a generated file,
 * a label, and with `busybox` a `RUN` step that prints a few lines slowly (so they arrive
 * live). The file changes every run, so no step comes from the layer cache.
 */
export async function writeContext(dir: string, settings: PipelineSettings): Promise<void> {
  const stamp = new Date().toISOString();
  await Deno.writeTextFile(`${dir}/hello.txt`, `podrx pipeline, built ${stamp}\n`);
  const lines = ["FROM scratch", "COPY hello.txt /hello.txt"];
  if (settings.busybox) {
    await Deno.copyFile(settings.busybox, `${dir}/busybox`);
    await Deno.chmod(`${dir}/busybox`, 0o755);
    // Exec form with busybox named: the image has no /bin/sh of its own.
    const script = "for n in 1 2 3; do echo counting $n; /bin/busybox sleep 0.5; done; " +
      "/bin/busybox cat /hello.txt";
    lines.push(
      "COPY busybox /bin/busybox",
      `RUN ["/bin/busybox", "sh", "-c", ${JSON.stringify(script)}]`,
      'CMD ["/bin/busybox", "cat", "/hello.txt"]',
    );
  }
  lines.push(`LABEL org.opencontainers.image.title="podrx pipeline" podrx.built="${stamp}"`);
  await Deno.writeTextFile(`${dir}/Containerfile`, lines.join("\n") + "\n");
}

/**
 * The whole run as one cold Observable: build `localhost/<repository>:<tag>` from `context`,
 * tag it for the registry, push, untag the registry name, pull it back, save it to `archive`,
 * remove the image, load the archive. Emits the report once, at the end.
 */
export function pipeline(
  client: PodmanClient,
  settings: PipelineSettings,
  paths: { context: string; archive: string },
  screen: Screen,
): Observable<PipelineReport> {
  const local = `localhost/${settings.repository}:${settings.tag}`;
  const remoteRepository = `${settings.registry}/${settings.repository}`;
  const remote = `${remoteRepository}:${settings.tag}`;
  const registry = settings.tlsVerify === undefined ? {} : { tlsVerify: settings.tlsVerify };

  const build = client.images.build({ path: paths.context, tag: local }).pipe(
    showBuild(screen, local),
    last(),
    map((event) => (event as BuiltEvent).image),
  );
  // Each step ends with last(): it hands its value on only once it completed, so the next
  // step starts after this one printed its summary.
  return build.pipe(
    concatMap((built) =>
      built.tag(remoteRepository, settings.tag).pipe(
        showStep(screen, `tag ${remote}`, () => `tagged ${built.shortId} as ${remote}`),
        last(),
        map(() => built),
      )
    ),
    concatMap((built) =>
      client.images.push(remote, registry).pipe(
        progress(),
        showTransfer(screen, "push", remote, { perLayer: true }),
        last(),
        map(() => built),
      )
    ),
    // Without the registry name, the pull has a name to bring back.
    concatMap((built) =>
      built.untag(remoteRepository, settings.tag).pipe(
        showStep(screen, `untag ${remote}`, () => `untagged ${remote}`),
        last(),
        map(() => built),
      )
    ),
    concatMap((built) =>
      client.images.pull(remote, registry).pipe(
        progress(),
        showTransfer(screen, "pull", remote, { perLayer: true }),
        last(),
        map((snapshot) => ({ built, pulled: (snapshot.event as PulledEvent).image })),
      )
    ),
    concatMap((state) =>
      state.pulled.saveToFile(paths.archive, { named: local }).pipe(
        showStep(
          screen,
          `save ${local}`,
          (bytes) => `saved ${formatBytes(bytes ?? 0)} to ${paths.archive}`,
          (bytes) => formatBytes(bytes ?? 0),
        ),
        last(),
        map((archiveBytes) => ({ ...state, archiveBytes })),
      )
    ),
    // Gone from the storage, so the load has to bring it back.
    concatMap((state) =>
      client.images.remove(state.built.id, { force: true }).pipe(
        showStep(
          screen,
          `remove ${state.built.shortId}`,
          (report) => `removed ${state.built.shortId} (${report?.untagged.length ?? 0} names)`,
        ),
        last(),
        map(() => state),
      )
    ),
    concatMap((state) =>
      client.images.load(paths.archive).pipe(
        showStep(
          screen,
          `load ${paths.archive}`,
          (image?: Image) => `loaded ${image?.tags.join(", ") ?? ""} (${image?.shortId})`,
        ),
        last(),
        map((loaded): PipelineReport => ({
          builtId: state.built.id,
          pushed: remote,
          pulledId: state.pulled.id,
          archiveBytes: state.archiveBytes,
          loadedId: loaded.id,
        })),
      )
    ),
  );
}

/**
 * Runs {@linkcode pipeline} in a temp directory (context and archive), prints the report and
 * removes the directory again. Ctrl-C cancels the step in flight.
 */
export async function runPipeline(
  client: PodmanClient,
  settings: PipelineSettings,
  screen: Screen,
): Promise<Outcome<PipelineReport>> {
  const dir = await Deno.makeTempDir({ prefix: "podrx-pipeline-" });
  try {
    const context = `${dir}/context`;
    await Deno.mkdir(context);
    await writeContext(context, settings);
    const work = defer(() =>
      pipeline(client, settings, { context, archive: `${dir}/image.tar` }, screen)
    );
    const outcome = await runUntilDone(work);
    if (outcome.kind === "completed" && outcome.last) {
      const report = outcome.last;
      console.log(`built  ${report.builtId}`);
      console.log(`pushed ${report.pushed}`);
      console.log(`pulled ${report.pulledId}`);
      console.log(`saved  ${report.archiveBytes} bytes`);
      console.log(`loaded ${report.loadedId}`);
      if (report.loadedId !== report.builtId) {
        return {
          kind: "failed",
          error: new Error("The loaded image is not the one built: the round trip changed it"),
        };
      }
      console.log("The loaded image is the built one.");
    }
    return outcome;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** `/bin/busybox` when it is the static build (a dynamic one has no libc in the image). */
export async function staticBusybox(path = "/bin/busybox"): Promise<string | undefined> {
  try {
    const head = new Uint8Array(4096);
    using file = await Deno.open(path);
    const read = (await file.read(head)) ?? 0;
    // A dynamically linked ELF names its interpreter (PT_INTERP) near the start.
    const text = new TextDecoder("latin1").decode(head.subarray(0, read));
    return text.startsWith("\x7fELF") && !text.includes("/ld-linux") ? path : undefined;
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      ...CONNECTION_OPTIONS,
      registry: { type: "string" },
      "tls-verify": { type: "string" },
      repository: { type: "string", default: "podrx-demo/app" },
      tag: { type: "string" },
      busybox: { type: "string" },
    },
  });
  if (values.help) usage(USAGE);
  if (!values.registry) usage(USAGE, "Give the registry to push to: --registry HOST:PORT");
  const settings: PipelineSettings = {
    registry: values.registry,
    repository: values.repository,
    tag: values.tag ?? `run-${Date.now().toString(36)}`,
    tlsVerify: tlsVerify(values["tls-verify"], USAGE),
    busybox: values.busybox ?? await staticBusybox(),
  };
  const screen = new Screen();
  const client = await connect(values);
  await finish(client, await runPipeline(client, settings, screen), screen);
}
