// deno-lint-ignore-file no-console -- an example reports on the terminal
/**
 * Copies images from one registry to another through a Podman service: pull, tag, push, for
 * several images at once (`mergeMap` with a limit), retrying each copy on transient errors
 * (`retry` with a growing delay): a server error (status 500 and up) or a failure to reach the
 * service. A client error (4xx: unknown image, bad credentials) fails at once.
 *
 * ```sh
 * deno run -A examples/mirror.ts --url unix:///run/podman/podman.sock \
 *   --from 127.0.0.1:5000 --to 127.0.0.1:5001 --to-user me --tls-verify=false \
 *   team/app:1 team/db:2
 * ```
 *
 * Flags: `--url URL` (else `CONTAINER_HOST` or Podman's default connection) or `--spawn`;
 * `--from` and `--to` registries (`host:port`); `--from-user`/`--to-user` with
 * `--from-password`/`--to-password` (or `PODRX_FROM_PASSWORD`/`PODRX_TO_PASSWORD`, which keep
 * them out of the process list); `--tls-verify=false` for plain-HTTP registries;
 * `--concurrency N` (default 2); `--retries N` (default 3); `--retry-delay MS` (default 1000,
 * doubling on each retry).
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  catchError,
  concatMap,
  defer,
  from,
  last,
  map,
  mergeMap,
  type Observable,
  of,
  retry,
  tap,
  throwError,
  timer,
  toArray,
} from "rxjs";
import {
  APIError,
  type AuthConfig,
  type PodmanClient,
  PodmanError,
  type PulledEvent,
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
import { Screen, TaskList, type TaskState } from "./_display.ts";

const USAGE = `Usage: deno run -A examples/mirror.ts [--url URL | --spawn]
  --from HOST:PORT --to HOST:PORT [--from-user NAME] [--from-password SECRET]
  [--to-user NAME] [--to-password SECRET] [--tls-verify=false]
  [--concurrency N] [--retries N] [--retry-delay MS] IMAGE[:TAG]...
  IMAGE is a path in the source registry, e.g. team/app:1; it keeps that path in the target.`;

/**
 * Whether a failed copy is worth another try: the server failed (an {@linkcode APIError}
 * with status 500 or more), or the service could not be reached or the connection broke (a
 * {@linkcode PodmanError} that is not an `APIError`). A 4xx, an error the server reported
 * inside a 200 stream (like an unknown manifest) and a bad argument are final.
 *
 * @example
 * ```ts
 * import { APIError } from "../mod.ts";
 *
 * const gone = new APIError("Cannot pull", { status: 404, method: "POST", path: "/", explanation: "no" });
 * console.assert(!isTransient(gone));
 * ```
 */
export function isTransient(error: unknown): boolean {
  // An error inside a 200 stream has status 200: final, like the unknown manifest it names.
  if (error instanceof APIError) return error.status >= 500;
  return error instanceof PodmanError;
}

/** What a mirror run needs to know. */
export interface MirrorSettings {
  /** Source registry, `host:port`. */
  from: string;
  /** Target registry, `host:port`. */
  to: string;
  fromAuth?: AuthConfig | undefined;
  toAuth?: AuthConfig | undefined;
  tlsVerify?: boolean | undefined;
  /** Copies at once. */
  concurrency: number;
  /** Retries of one copy after its first try. */
  retries: number;
  /** Milliseconds before the first retry; each further retry waits twice as long. */
  retryDelay: number;
}

/** How one image's copy ended. */
export type MirrorResult =
  | { name: string; ok: true; destination: string }
  | { name: string; ok: false; error: unknown };

/** `team/app:1` → `["team/app", "1"]`; no tag means `latest`. */
export function splitTag(name: string): [string, string] {
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  return colon > slash ? [name.slice(0, colon), name.slice(colon + 1)] : [name, "latest"];
}

function registryOptions(auth: AuthConfig | undefined, verify: boolean | undefined) {
  return {
    ...(auth ? { authConfig: auth } : {}),
    ...(verify === undefined ? {} : { tlsVerify: verify }),
  };
}

/**
 * One image's copy: pull from `from`, tag for `to`, push, and drop the extra tag again;
 * resubscribed from the pull on a transient error, up to `retries` times.
 */
export function mirrorImage(
  client: PodmanClient,
  name: string,
  settings: MirrorSettings,
  report: (state: TaskState, note: string) => void = () => {},
): Observable<string> {
  const [path, tag] = splitTag(name);
  const source = `${settings.from}/${path}:${tag}`;
  const targetRepository = `${settings.to}/${path}`;
  const target = `${targetRepository}:${tag}`;
  let attempt = 0;
  return defer(() => {
    attempt++;
    report("running", attempt > 1 ? `pulling (attempt ${attempt})` : "pulling");
    return client.images.pull(source, registryOptions(settings.fromAuth, settings.tlsVerify));
  }).pipe(
    last(),
    map((event) => (event as PulledEvent).image),
    tap(() => report("running", "tagging")),
    concatMap((image) => image.tag(targetRepository, tag).pipe(map(() => image))),
    tap(() => report("running", `pushing to ${settings.to}`)),
    concatMap((image) =>
      client.images.push(target, registryOptions(settings.toAuth, settings.tlsVerify)).pipe(
        last(),
        // The target name was only a vehicle for the push.
        concatMap(() => image.untag(targetRepository, tag)),
      )
    ),
    map(() => target),
    retry({
      count: settings.retries,
      delay(error: unknown, retryCount) {
        if (!isTransient(error)) return throwError(() => error);
        const wait = settings.retryDelay * 2 ** (retryCount - 1);
        report(
          "retrying",
          `${messageOf(error)}; retry ${retryCount}/${settings.retries} in ${wait} ms`,
        );
        return timer(wait);
      },
    }),
  );
}

/** Copies every image, `concurrency` at a time; each result says how its copy ended. */
export function mirror(
  client: PodmanClient,
  images: readonly string[],
  settings: MirrorSettings,
  tasks?: TaskList,
): Observable<MirrorResult[]> {
  return from(images).pipe(
    mergeMap(
      (name) =>
        mirrorImage(client, name, settings, (state, note) => tasks?.set(name, state, note)).pipe(
          map((destination): MirrorResult => {
            tasks?.set(name, "done", `→ ${destination}`);
            return { name, ok: true, destination };
          }),
          catchError((error: unknown) => {
            tasks?.set(name, "failed", messageOf(error));
            return of<MirrorResult>({ name, ok: false, error });
          }),
        ),
      settings.concurrency,
    ),
    toArray(),
  );
}

function count(value: string | undefined, flag: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) {
    usage(USAGE, `${flag} takes a whole number of at least ${min}, got "${value}"`);
  }
  return number;
}

function auth(user: string | undefined, password: string | undefined): AuthConfig | undefined {
  return user === undefined ? undefined : { username: user, password: password ?? "" };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      ...CONNECTION_OPTIONS,
      from: { type: "string" },
      to: { type: "string" },
      "from-user": { type: "string" },
      "from-password": { type: "string" },
      "to-user": { type: "string" },
      "to-password": { type: "string" },
      "tls-verify": { type: "string" },
      concurrency: { type: "string" },
      retries: { type: "string" },
      "retry-delay": { type: "string" },
    },
  });
  if (values.help) usage(USAGE);
  if (!values.from || !values.to) usage(USAGE, "Give both --from and --to");
  if (positionals.length === 0) usage(USAGE, "Name at least one image to mirror");
  const digest = positionals.find((name) => name.includes("@"));
  if (digest) usage(USAGE, `"${digest}": name images by tag; a digest cannot be tagged`);
  const settings: MirrorSettings = {
    from: values.from,
    to: values.to,
    fromAuth: auth(
      values["from-user"],
      values["from-password"] ?? Deno.env.get("PODRX_FROM_PASSWORD"),
    ),
    toAuth: auth(values["to-user"], values["to-password"] ?? Deno.env.get("PODRX_TO_PASSWORD")),
    tlsVerify: tlsVerify(values["tls-verify"], USAGE),
    concurrency: count(values.concurrency, "--concurrency", 2, 1),
    retries: count(values.retries, "--retries", 3, 0),
    retryDelay: count(values["retry-delay"], "--retry-delay", 1000, 0),
  };

  const screen = new Screen();
  const client = await connect(values);
  const tasks = new TaskList(screen, positionals);
  const outcome = await runUntilDone(mirror(client, positionals, settings, tasks));
  tasks.close();
  if (outcome.kind === "completed") {
    const results = outcome.last ?? [];
    const failed = results.filter((result) => !result.ok).length;
    console.log(`Mirrored ${results.length - failed} of ${results.length} images`);
    if (failed > 0) {
      await finish(client, {
        kind: "failed",
        error: new Error(`${failed} image${failed === 1 ? "" : "s"} could not be mirrored`),
      }, screen);
    }
  }
  await finish(client, outcome, screen);
}
