// deno-lint-ignore-file no-console -- an example reports on the terminal
/**
 * Ships a model (weights, a config, a tokenizer: any files) to other hosts as one OCI
 * artifact: adds the files as artifact NAME on the source service, showing the upload per file,
 * pushes it to the registry NAME points to, then on every `--to` host pulls it, checks that the
 * host got the digest that was pushed, and extracts the files into a directory here. Without
 * `--to`, a throwaway Podman service with its own, empty storage stands in for another host.
 * The run is one RxJS pipeline: Ctrl-C cancels the step in flight, takes back an artifact whose
 * add it cut off, closes the clients and exits with 130.
 *
 * ```sh
 * deno run -A examples/ship_model.ts --url unix:///run/podman/podman.sock --tls-verify=false \
 *   --type application/vnd.example.model --annotation org.example.license=MIT \
 *   127.0.0.1:5000/ai/tiny-model:1 ./weights.bin ./config.json
 * ```
 *
 * Flags: `--url URL` (else `CONTAINER_HOST` or Podman's default connection) or `--spawn` (a
 * private, throwaway source service); `--tls-verify=false` for a plain-HTTP registry; `--type`
 * the artifact's media type; `--annotation KEY=VALUE` (repeatable) for every file; `--to URL`
 * (repeatable) the hosts' services; `--extract-to DIR` (default `./<last part of NAME>`, e.g.
 * `./tiny-model`; with several hosts, `DIR/host-<n>` for each). Needs Podman 5.6 or later on
 * every service.
 *
 * One line per step, for scripts to read: `added <digest> <n> files <bytes> bytes`,
 * `pushed <digest>`, then per host `pulled <host> <digest>` and `extracted <host> <path> <size>`
 * per file. Exit codes: 0 when every host has the pushed digest, 1 on a failure (a host with
 * another digest among them), 2 for a bad command line, 130 for Ctrl-C.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  concatMap,
  defer,
  from,
  last,
  map,
  type Observable,
  of,
  tap,
  throwError,
  toArray,
} from "rxjs";
import {
  type ArtifactAddedEvent,
  type ArtifactExtractedEvent,
  type ArtifactExtractEvent,
  type ArtifactPulledEvent,
  type ArtifactPushedEvent,
  formatBytes,
  PodmanClient,
  progress,
} from "../mod.ts";
import {
  connect,
  CONNECTION_OPTIONS,
  finish,
  messageOf,
  runUntilDone,
  tlsVerify,
  usage,
} from "./_cli.ts";
import { Screen, showStep, showTransfer } from "./_display.ts";

const USAGE = `Usage: deno run -A examples/ship_model.ts [--url URL | --spawn] [--tls-verify=false]
  [--type MEDIATYPE] [--annotation KEY=VALUE ...] [--to URL ...] [--extract-to DIR] NAME FILE...`;

/** What {@linkcode ship} needs to know. */
export interface ShipSettings {
  /** The artifact's name, with the registry it travels through: `127.0.0.1:5000/ai/model:1`. */
  name: string;
  /** The files; each keeps its base name in the artifact. */
  files: string[];
  /** The artifact's media type. */
  type?: string | undefined;
  /** Annotations for every file. */
  annotations: Record<string, string>;
  /** `false` for a plain-HTTP registry; the server's default when left out. */
  tlsVerify?: boolean | undefined;
  /** Where the files are extracted: one host's here, several hosts' in `host-<n>` inside. */
  extractTo: string;
}

/** A host the artifact goes to. */
export interface Destination {
  /** How the lines name it: its URL, or `throwaway`. */
  label: string;
  /** Its client, connected (or started) on first use. */
  open(): Observable<PodmanClient>;
}

/** What one host got. */
export interface HostReport {
  /** The host's label. */
  host: string;
  /** The digest it pulled: the pushed one. */
  digest: string;
  /** The files extracted from it, where they went. */
  files: { path: string; size: number }[];
}

/** What {@linkcode ship} did. */
export interface ShipReport {
  /** Digest of the artifact as added on the source. */
  added: string;
  /** Digest the registry took. */
  pushed: string;
  /** Each host, in the order given. */
  hosts: HostReport[];
}

/** `./<last path part of NAME>` without tag or digest: `a.io/ai/tiny-model:1` -> `./tiny-model`. */
export function defaultDirectory(name: string): string {
  const path = name.replace(/@.*$/, "");
  const last = path.slice(path.lastIndexOf("/") + 1);
  return `./${last.replace(/:[^:]*$/, "")}`;
}

/** Fails a run whose source already has an artifact of the name (it is never overwritten). */
function refuseExisting(source: PodmanClient, name: string): Observable<void> {
  return source.artifacts.exists(name).pipe(
    concatMap((exists) =>
      exists
        ? throwError(() =>
          new Error(
            `Cannot add artifact "${name}": the source service has an artifact of that name; ` +
              `remove it (podman artifact rm ${name}) or choose another name`,
          )
        )
        : of(undefined)
    ),
  );
}

/** Pulls the artifact on one host, checks its digest, and extracts its files into `directory`. */
function deliver(
  client: PodmanClient,
  host: string,
  directory: string,
  pushed: string,
  settings: ShipSettings,
  screen: Screen,
): Observable<HostReport> {
  const registry = settings.tlsVerify === undefined ? {} : { tlsVerify: settings.tlsVerify };
  return client.artifacts.pull(settings.name, registry).pipe(
    progress(),
    showTransfer(screen, "pull", `${settings.name} on ${host}`, { perLayer: true, unit: "files" }),
    last(),
    map((snapshot) => snapshot.event as ArtifactPulledEvent),
    concatMap((pulled) => {
      screen.print(`pulled ${host} ${pulled.digest}`);
      // The registry hands every host the manifest it took: another digest is another artifact.
      if (pulled.digest !== pushed) {
        return throwError(() =>
          new Error(
            `Cannot verify artifact "${settings.name}" on ${host}: it pulled ${pulled.digest}, ` +
              `but the push gave ${pushed}`,
          )
        );
      }
      return client.artifacts.extract(pulled.artifact, directory).pipe(
        showStep<ArtifactExtractEvent>(
          screen,
          `extract ${settings.name} from ${host} into ${directory}`,
          (event) =>
            `extracted ${(event as ArtifactExtractedEvent | undefined)?.files.length ?? 0} ` +
            `files from ${host} into ${directory}`,
          (event) =>
            event?.type === "progress" ? `${event.id} ${formatBytes(event.current ?? 0)}` : "",
        ),
        last(),
        map((event) => {
          const files = (event as ArtifactExtractedEvent).files;
          for (const file of files) screen.print(`extracted ${host} ${file.path} ${file.size}`);
          return {
            host,
            digest: pulled.digest,
            files: files.map(({ path, size }) => ({ path, size })),
          };
        }),
      );
    }),
  );
}

/**
 * The whole run as one cold Observable: refuse a name the source has, add the files, push,
 * then host by host pull, check the digest and extract. Prints a line per step; emits the
 * report once, at the end. An add cut short (Ctrl-C) removes the artifact it half made, and
 * closing the client waits for that.
 */
export function ship(
  source: PodmanClient,
  settings: ShipSettings,
  destinations: readonly Destination[],
  screen: Screen,
): Observable<ShipReport> {
  const { name } = settings;
  const registry = settings.tlsVerify === undefined ? {} : { tlsVerify: settings.tlsVerify };
  const add = source.artifacts.add(name, settings.files, {
    ...(settings.type === undefined ? {} : { type: settings.type }),
    annotations: settings.annotations,
  }).pipe(
    progress(),
    showTransfer(screen, "add", name, { perLayer: true, unit: "files" }),
    last(),
    map((snapshot) => snapshot.event as ArtifactAddedEvent),
    tap((added) => {
      const { files, size } = added.artifact;
      screen.print(`added ${added.digest} ${files.length} files ${size} bytes`);
    }),
  );
  const push = source.artifacts.push(name, registry).pipe(
    progress(),
    showTransfer(screen, "push", name, { perLayer: true, unit: "files" }),
    last(),
    map((snapshot) => (snapshot.event as ArtifactPushedEvent).digest),
    tap((digest) => screen.print(`pushed ${digest}`)),
  );
  return refuseExisting(source, name).pipe(
    concatMap(() => add),
    concatMap((added) =>
      push.pipe(
        concatMap((pushed) =>
          from(destinations).pipe(
            concatMap((destination, index) =>
              destination.open().pipe(
                concatMap((client) =>
                  deliver(
                    client,
                    destination.label,
                    destinations.length === 1
                      ? settings.extractTo
                      : `${settings.extractTo.replace(/\/+$/, "")}/host-${index + 1}`,
                    pushed,
                    settings,
                    screen,
                  )
                ),
              )
            ),
            toArray(),
            map((hosts): ShipReport => ({ added: added.digest, pushed, hosts })),
          )
        ),
      )
    ),
  );
}

/**
 * A throwaway Podman service (own, empty storage) standing in for another host; the client
 * goes into `opened`, to be closed (and the service stopped) at the end.
 */
function throwawayHost(
  opened: PodmanClient[],
  screen: Screen,
  storageDriver: string | undefined,
): Destination {
  return {
    label: "throwaway",
    open: () =>
      defer(() =>
        PodmanClient.spawn({
          storage: "private",
          // The script catches Ctrl-C itself and closes every client, which stops the service.
          handleSignals: false,
          ...(storageDriver ? { storageDriver } : {}),
        })
      ).pipe(
        tap((client) => opened.push(client)),
        showStep(
          screen,
          "start a throwaway Podman service (stands in for another host)",
          (client) => `started a throwaway service on ${client?.service?.socketPath}`,
        ),
        // Handed on once started, so that its line comes before the pull's.
        last(),
      ),
  };
}

/** Reads `--annotation KEY=VALUE` flags; a malformed one is a usage error. */
function annotationsOf(flags: readonly string[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const flag of flags) {
    const at = flag.indexOf("=");
    if (at <= 0) usage(USAGE, `--annotation takes KEY=VALUE, got "${flag}"`);
    annotations[flag.slice(0, at)] = flag.slice(at + 1);
  }
  return annotations;
}

/** Refuses a FILE that is missing or a directory before anything is sent. */
async function checkFiles(files: readonly string[]): Promise<void> {
  for (const file of files) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(file);
    } catch (error) {
      usage(USAGE, `Cannot read ${file}: ${messageOf(error)}`);
    }
    if (info.isDirectory) usage(USAGE, `${file} is a directory; give its files`);
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      ...CONNECTION_OPTIONS,
      "tls-verify": { type: "string" },
      type: { type: "string" },
      annotation: { type: "string", multiple: true, default: [] },
      to: { type: "string", multiple: true, default: [] },
      "extract-to": { type: "string" },
    },
  });
  if (values.help) usage(USAGE);
  const [name, ...files] = positionals;
  if (name === undefined || files.length === 0) {
    usage(USAGE, "Name the artifact and at least one file to put in it");
  }
  await checkFiles(files);
  const settings: ShipSettings = {
    name,
    files,
    type: values.type,
    annotations: annotationsOf(values.annotation),
    tlsVerify: tlsVerify(values["tls-verify"], USAGE),
    extractTo: values["extract-to"] ?? defaultDirectory(name),
  };
  const screen = new Screen();
  // Clients to close at the end, besides the source: the hosts' (a throwaway one included).
  const opened: PodmanClient[] = [];
  const destinations: Destination[] = values.to.length === 0
    ? [throwawayHost(opened, screen, values["storage-driver"])]
    : values.to.map((url) => {
      let client: PodmanClient;
      try {
        client = new PodmanClient({ baseUrl: url });
      } catch (error) {
        usage(USAGE, `--to ${url}: ${messageOf(error)}`);
      }
      opened.push(client);
      return { label: url, open: () => of(client) };
    });
  const source = await connect(values);
  const outcome = await runUntilDone(ship(source, settings, destinations, screen));
  if (outcome.kind === "completed" && outcome.last) {
    const report = outcome.last;
    console.log(
      `shipped ${name} to ${report.hosts.length} host${report.hosts.length === 1 ? "" : "s"}: ` +
        `each has ${report.pushed}`,
    );
  }
  await finish(source, outcome, screen, { others: opened });
}
