import {
  catchError,
  concat,
  concatMap,
  defer,
  finalize,
  last,
  map,
  Observable,
  type Subscriber,
  tap,
} from "rxjs";
import { segment } from "../client/request_json.ts";
import { PodmanError } from "../errors.ts";
import type { Image } from "../images/image.ts";
import type { PullEvent } from "../images/image_events.ts";
import type { PushEvent } from "../images/operations/push.ts";
import { parseReference } from "../images/params/reference.ts";
import type { AuthConfig } from "../images/params/registry_auth.ts";
import { fanOut } from "./_fan_out.ts";
import { FleetError } from "./fleet_error.ts";
import type { FleetEvent, FleetOptions } from "./fleet_event.ts";
import type { FleetHost } from "./fleet_host.ts";
import { type HostRun, runOnHosts } from "./run_on_hosts.ts";

/** How {@linkcode Fleet.distribute} moves an image through a registry. */
export interface RegistryRoute {
  /** The registry's `host[:port]`, e.g. `registry.example.com` or `127.0.0.1:5000`. */
  registry: string;
  /**
   * The repository in that registry.
   * @default {the image's own repository path, e.g. `team/app`}
   */
  repository?: string;
  /**
   * The tag in that registry.
   * @default {the image's own tag, else `latest`}
   */
  tag?: string;
  /**
   * Verify the registry's TLS certificate (`false` also allows plain HTTP), for the push and
   * every pull.
   * @default {true}
   */
  tlsVerify?: boolean;
  /**
   * Credentials for the registry: the same for every host, or per host (by name; the source
   * host's are used for the push). A host for which the function gives `undefined` goes
   * without.
   * @default {undefined}
   */
  authConfig?: AuthConfig | ((host: string) => AuthConfig | undefined);
}

/** Options for {@linkcode Fleet.distribute}. */
export interface DistributeOptions extends FleetOptions {
  /** The host that has the image, by name. Every other host (of `hosts`) receives it. */
  from: string;
  /**
   * The way the image travels: `"stream"` saves it once from the source and loads that one
   * read into every host at the same time (no registry; `concurrency` and `retry` do not
   * apply to the loads, since a stream is read once); a {@linkcode RegistryRoute} pushes it
   * once and pulls it on every host.
   * @default {"stream"}
   */
  via?: "stream" | RegistryRoute;
  /**
   * Milliseconds each host's request may stay silent before it fails.
   * @default {undefined} no limit
   */
  timeout?: number;
}

/** Bytes of the archive so far: read from the source, or taken by a host. */
export interface SentEvent {
  /** Discriminant. */
  readonly type: "sent";
  /** Bytes so far. */
  readonly bytes: number;
}

/** The source's archive was read to its end, or cut short (stream route). */
export interface SavedEvent {
  /** Discriminant. */
  readonly type: "saved";
  /** Bytes read. */
  readonly bytes: number;
  /** False when every host stopped reading before the end. */
  readonly whole: boolean;
}

/** A host loaded the archive (stream route). */
export interface LoadedEvent {
  /** Discriminant. */
  readonly type: "loaded";
  /** The image the host now has. */
  readonly image: Image;
}

/**
 * What {@linkcode Fleet.distribute} emits for one host: the stream route's `sent`, `saved`
 * and `loaded`; the registry route's push events (source) and pull events (the others).
 */
export type DistributeEvent = SentEvent | SavedEvent | LoadedEvent | PushEvent | PullEvent;

/** Where the image is on a host once distributed. */
export interface DistributedImage {
  /** The image id, equal to the source's. */
  readonly id: string;
  /** The image on that host. */
  readonly image: Image;
}

type Outcome = FleetEvent<DistributeEvent, DistributedImage>;

const ID_PREFIX = /^(?:sha256:)?[0-9a-f]{6,64}$/;

function resultOf(
  previous: DistributedImage | undefined,
  event: DistributeEvent,
  source: () => Image,
): DistributedImage | undefined {
  switch (event.type) {
    case "loaded":
      return { id: event.image.id, image: event.image };
    case "pulled":
      return { id: event.image.id, image: event.image };
    case "saved":
    case "pushed":
      return { id: source().id, image: source() };
    default:
      return previous;
  }
}

/**
 * A later phase's error counted over every host of the distribution: the hosts of phases not
 * reached are listed as not finished.
 */
function overAll(action: string, total: number, notReached: readonly string[]) {
  return catchError<Outcome, Observable<Outcome>>((error: unknown) => {
    if (!(error instanceof FleetError)) throw error;
    throw new FleetError(action, total, error.failures, [...error.cancelled, ...notReached]);
  });
}

/**
 * Reads the source image, then runs `rest` with it; a missing image fails the source host
 * and leaves every target not reached.
 */
function withSourceImage(
  action: string,
  source: FleetHost,
  targets: readonly FleetHost[],
  name: string,
  options: DistributeOptions,
  rest: (image: Image) => Observable<Outcome>,
): Observable<Outcome> {
  return defer(() => {
    let image: Image | undefined;
    const total = targets.length + 1;
    const lookup = source.client.images.get(
      name,
      options.timeout === undefined ? {} : { timeout: options.timeout },
    ).pipe(
      tap((found) => {
        image = found;
      }),
      last(),
      catchError((error: unknown) => {
        throw new FleetError(action, total, [{ host: source.name, error: error as Error }], [
          ...targets.map((target) => target.name),
        ]);
      }),
    );
    return lookup.pipe(concatMap(() => rest(image!)));
  });
}

function verifier(action: string, source: Image) {
  return (result: DistributedImage, host: string): void => {
    if (result.id !== source.id) {
      throw new PodmanError(
        `${action} to ${host}: it has image ${result.id.slice(0, 12)}, ` +
          `the source has ${source.id.slice(0, 12)}`,
      );
    }
  };
}

function authFor(route: RegistryRoute, host: string): AuthConfig | undefined {
  return typeof route.authConfig === "function" ? route.authConfig(host) : route.authConfig;
}

function destinationOf(route: RegistryRoute, name: string, image: Image): string {
  const reference = ID_PREFIX.test(name) ? parseReference(image.tags[0] ?? "") : parseReference(
    name,
  );
  const repository = route.repository ?? reference.path;
  return `${route.registry}/${repository}:${route.tag ?? reference.tag ?? "latest"}`;
}

/** The registry route: push once from the source, then pull on every target. */
export function distributeViaRegistry(
  source: FleetHost,
  targets: readonly FleetHost[],
  name: string,
  route: RegistryRoute,
  options: DistributeOptions,
): Observable<Outcome> {
  const action = `Cannot distribute "${name}"`;
  const timeout = options.timeout === undefined ? {} : { timeout: options.timeout };
  return withSourceImage(action, source, targets, name, options, (image) => {
    if (route.repository === undefined && ID_PREFIX.test(name) && image.tags.length === 0) {
      throw new FleetError(action, targets.length + 1, [{
        host: source.name,
        error: new TypeError(`${action}: the image has no name; give the route a repository`),
      }], targets.map((target) => target.name));
    }
    const destination = destinationOf(route, name, image);
    const tls = route.tlsVerify === undefined ? {} : { tlsVerify: route.tlsVerify };
    const auth = (host: string) => {
      const config = authFor(route, host);
      return config === undefined ? {} : { authConfig: config };
    };
    const fold = (previous: DistributedImage | undefined, event: DistributeEvent) =>
      resultOf(previous, event, () => image);
    const total = targets.length + 1;
    const push = runOnHosts<DistributeEvent, DistributedImage>(action, [{
      name: source.name,
      operation: () =>
        source.client.images.push(image.id, {
          destination,
          ...tls,
          ...auth(source.name),
          ...timeout,
        }),
    }], { retry: options.retry ?? 0, result: fold }).pipe(
      overAll(action, total, targets.map((target) => target.name)),
    );
    const pulls = runOnHosts<DistributeEvent, DistributedImage>(
      action,
      targets.map((target) => ({
        name: target.name,
        operation: () =>
          target.client.images.pull(destination, { ...tls, ...auth(target.name), ...timeout }),
      })),
      { ...fleetPart(options), result: fold, verify: verifier(action, image) },
    ).pipe(overAll(action, total, []));
    return concat(push, pulls);
  });
}

function fleetPart(options: FleetOptions): FleetOptions {
  const part: FleetOptions = {};
  if (options.concurrency !== undefined) part.concurrency = options.concurrency;
  if (options.failFast !== undefined) part.failFast = options.failFast;
  if (options.retry !== undefined) part.retry = options.retry;
  return part;
}

/** What {@linkcode archiveOf} tells of its read. */
interface ArchiveWatch {
  /** Bytes read so far, after each chunk. */
  read(bytes: number): void;
  /** The read ended: whole, or cut short because every host stopped reading. */
  end(bytes: number, whole: boolean): void;
  /** The source failed. */
  fail(error: unknown): void;
}

/**
 * The source's archive as a stream that asks the source for it on first read; `abort` (or
 * cancelling the stream) aborts the request.
 */
function archiveOf(
  source: FleetHost,
  name: string,
  watch: ArchiveWatch,
): { stream: ReadableStream<Uint8Array>; abort: () => void } {
  const action = `Cannot save image "${name}"`;
  const controller = new AbortController();
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let bytes = 0;
  let ended = false;
  const end = (whole: boolean): void => {
    if (ended) return;
    ended = true;
    watch.end(bytes, whole);
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(stream) {
      try {
        if (reader === undefined) {
          const response = await source.client.request({
            path: `/images/${segment(name)}/get`,
            query: { format: "docker-archive" },
            action,
            notFound: "image",
          }, controller.signal);
          if (!response.body) throw new PodmanError(`${action}: the source sent no archive`);
          reader = response.body.getReader();
        }
        const { done, value } = await reader.read();
        if (done) {
          stream.close();
          end(true);
          return;
        }
        bytes += value.byteLength;
        watch.read(bytes);
        stream.enqueue(value);
      } catch (error) {
        if (!ended && !controller.signal.aborted) {
          ended = true;
          watch.fail(error);
        }
        throw error;
      }
    },
    async cancel(reason) {
      end(false);
      controller.abort(reason);
      await reader?.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
  return {
    stream,
    abort: () => {
      end(false);
      controller.abort();
    },
  };
}

/**
 * The stream route: one save request on the source, its body split between the targets'
 * load requests, each read at the pace of the slowest.
 */
export function distributeAsStream(
  source: FleetHost,
  targets: readonly FleetHost[],
  name: string,
  options: DistributeOptions,
): Observable<Outcome> {
  const action = `Cannot distribute "${name}"`;
  const timeout = options.timeout === undefined ? {} : { timeout: options.timeout };
  return withSourceImage(action, source, targets, name, options, (image) =>
    defer(() => {
      // The archive holds the name it was asked for: by name, the hosts get the tag too.
      const saveName = ID_PREFIX.test(name) ? image.id : name;
      let sourceSink: Subscriber<DistributeEvent> | undefined;
      const hostSinks: (Subscriber<DistributeEvent> | undefined)[] = targets.map(() => undefined);
      const archive = archiveOf(source, saveName, {
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
        result: (previous, event) => resultOf(previous, event, () => image),
        verify: verifier(action, image),
      }).pipe(finalize(archive.abort));
    }));
}
