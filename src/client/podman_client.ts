import type { Observable } from "rxjs";
import type { AwaitOptions } from "../async/await_options.ts";
import { lastOf } from "../async/settle.ts";
import type { TwinsOf } from "../async/twins.ts";
import { Artifacts } from "../facade/artifacts.ts";
import { Credentials } from "../facade/credentials.ts";
import type { AuthConfig } from "../images/params/registry_auth.ts";
import {
  type CredentialsSource,
  credentialsSource,
  userCredentials,
  withUserCredentials,
} from "./_registry_credentials.ts";
import { Images } from "../facade/images.ts";
import { Manifests } from "../facade/manifests.ts";
import {
  type ServiceInfo,
  type SpawnedService,
  spawnService,
  type SpawnServiceOptions,
  validateSpawnOptions,
} from "../service/spawn_service.ts";
import type { ApiRequest } from "./api_request.ts";
import { parseApiVersion } from "./api_version.ts";
import { type PodmanClientOptions, validateClientOptions } from "./client_options.ts";
import { type Connection, Connector } from "./_connector.ts";
import { operation, type OperationOptions } from "./operation.ts";
import type { ConnectionKind, Requester } from "./requester.ts";
import { sendRequest } from "./_send_request.ts";
import { readVersionReport, type VersionReport } from "./version_report.ts";
import { RequestSlots, type Slot } from "./_request_slots.ts";
import { onBodyEnd } from "../streams/_on_body_end.ts";

/** How many requests a client runs at once unless `maxConnections` says otherwise. */
const DEFAULT_MAX_CONNECTIONS = 10;

/**
 * A client of one Podman service. Its `images` manager holds the image operations; every
 * operation returns a cold Observable: nothing is sent until subscribe, each subscription is
 * one request, and unsubscribing aborts it.
 *
 * The connection is made on first use. At most `maxConnections` requests run at once (each
 * on its own connection); more wait their turn. Close the client (or use `await using`) to
 * end whatever still runs and release its sockets.
 *
 * @example Listing images
 * ```ts ignore
 * import { PodmanClient } from "@podrx/podrx";
 * import { lastValueFrom } from "rxjs";
 *
 * await using podman = new PodmanClient({ baseUrl: "unix:///run/podman/podman.sock" });
 * const images = await lastValueFrom(podman.images.list());
 * console.log(images.map((image) => image.tags));
 * ```
 */
export class PodmanClient implements AsyncDisposable {
  /** The image operations of this service. */
  readonly images: Images;
  /** The manifest-list operations of this service. */
  readonly manifests: Manifests;
  /** The OCI artifact operations of this service (Podman 5.6 and later). */
  readonly artifacts: Artifacts;
  /**
   * Registry login and logout, as `podman login` and `podman logout` keep credentials (in the
   * auth file); they need no service, only the registry.
   */
  readonly credentials: Credentials;
  #connector: Connector;
  #slots: RequestSlots;
  #credentials: CredentialsSource;
  // Operations that close() lets finish taking back what they left half-done.
  #finishing = new Set<Promise<unknown>>();
  #service: SpawnedService | undefined;
  #promises: ClientPromises | undefined;

  /** Creates a client; no connection is made until the first operation. */
  constructor(options: PodmanClientOptions = {}) {
    validateClientOptions(options);
    this.#connector = new Connector(options);
    this.#slots = new RequestSlots(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    this.#credentials = credentialsSource(options.credentials);
    this.images = new Images(this);
    this.manifests = new Manifests(this);
    this.artifacts = new Artifacts(this);
    this.credentials = new Credentials(
      this.#credentials === false ? undefined : this.#credentials.authfile,
    );
  }

  /**
   * Starts a private `podman system service` on a socket in a new temp directory and
   * returns a client connected to it. Closing the client stops the service (SIGTERM, then
   * SIGKILL after `stopTimeout`) and removes the directory; so do SIGINT and SIGTERM (unless
   * `handleSignals: false`) and a script that ends without closing it.
   *
   * @param options Storage, environment and timing; see {@linkcode SpawnServiceOptions}.
   * @returns A client whose {@linkcode PodmanClient.service} describes the service.
   * The promise rejects (it never throws) with `TypeError` for options of the wrong type or
   * that conflict, `RangeError` for an unknown `storage` or `logLevel` or a timeout that is not
   * a positive number (before anything starts), and with {@linkcode PodmanError} when there
   * is no `podman` program, or the service exits or does not answer in time; the message ends
   * with the service's log.
   *
   * @example A throwaway service with its own, empty image storage
   * ```ts ignore
   * import { PodmanClient } from "@podrx/podrx";
   * import { lastValueFrom } from "rxjs";
   *
   * await using podman = await PodmanClient.spawn({
   *   storage: "private",
   *   storageDriver: "vfs",
   *   env: { BUILDAH_ISOLATION: "chroot" },
   * });
   * console.log(podman.service?.socketPath, await lastValueFrom(podman.images.list())); // []
   * ```
   */
  static spawn(options: SpawnServiceOptions = {}): Promise<PodmanClient> {
    try {
      validateSpawnOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return spawnService(options).then((service) => {
      const client = new PodmanClient({ baseUrl: service.baseUrl });
      client.#service = service;
      return client;
    });
  }

  /**
   * The service started by {@linkcode PodmanClient.spawn}: its socket, storage and process
   * id. `undefined` for a client of a service it did not start.
   *
   * @example
   * ```ts ignore
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = await PodmanClient.spawn({ storage: "private", storageDriver: "vfs" });
   * console.log(`podman --root ${podman.service?.root} --runroot ${podman.service?.runroot} images`);
   * ```
   */
  get service(): ServiceInfo | undefined {
    const service = this.#service;
    if (!service) return undefined;
    return {
      pid: service.pid,
      dir: service.dir,
      socketPath: service.socketPath,
      baseUrl: service.baseUrl,
      logPath: service.logPath,
      root: service.root,
      runroot: service.runroot,
      storageDriver: service.storageDriver,
      registriesConf: service.registriesConf,
    };
  }

  /**
   * Sends one request to the libpod API and resolves with the response once its headers
   * arrived; a status of 400 or more rejects with {@linkcode APIError} (or its subclass for 404),
   * a failure to reach the service with {@linkcode PodmanError}.
   *
   * This is the low-level door every operation goes through; prefer the operations. The
   * request takes one of the client's `maxConnections` places (waiting for one when all are
   * taken) and keeps it until the response body is read to its end or cancelled, so read or
   * cancel every body. `close()` aborts the request, body included.
   *
   * @param request What to send, and the action to name in errors.
   * @param signal Aborts the request, and the response body with it.
   * @returns The response, with its body unread.
   *
   * @example Inspecting an image without the model
   * ```ts ignore
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = new PodmanClient();
   * const response = await podman.request({ path: "/images/busybox/json", action: "Cannot inspect" });
   * console.log((await response.json()).Id);
   * ```
   */
  request(request: ApiRequest, signal?: AbortSignal): Promise<Response> {
    // The per-call path: connected already, a place free and no credentials to look up, so
    // nothing to wait for before the request is sent (each await there is a promise hop).
    try {
      if (request.credentials === undefined && !request.cleanup) {
        const connection = this.#connector.connected();
        const slot = connection && this.#slots.tryAcquire(request.action, signal);
        if (slot) return this.#send(connection, request, slot);
      }
    } catch (error) {
      // A request that is not an object: a rejection, as from the path below.
      return Promise.reject(error);
    }
    return this.#request(request, signal);
  }

  /**
   * {@linkcode PodmanClient.request} with the body read whole as text, which gives the
   * request's place back once read. See `Requester.requestText`.
   *
   * @param request What to send, and the action to name in errors.
   * @param signal Aborts the request and the read.
   * @returns The answer's body.
   */
  requestText(request: ApiRequest, signal?: AbortSignal): Promise<string> {
    try {
      if (request.credentials === undefined && !request.cleanup) {
        const connection = this.#connector.connected();
        const slot = connection && this.#slots.tryAcquire(request.action, signal);
        if (slot) return this.#sendText(connection, request, slot);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#request(request, signal).then((response) => response.text());
  }

  /**
   * Sends `request` in the place `slot` and reads its body whole, natively: no end-of-body
   * notice on the response (its prototype swap and reader cost a short call more than the
   * rest of its client-side work). An abort ends the read through fetch, which has the slot's
   * signal, and fails it with the signal's reason, as a noticed response's whole read does.
   */
  async #sendText(connection: Connection, request: ApiRequest, slot: Slot): Promise<string> {
    let response: Response;
    try {
      response = await sendRequest(connection, request, slot.signal);
    } catch (error) {
      slot.release();
      throw error;
    }
    try {
      return await response.text();
    } catch (error) {
      throw slot.signal.aborted ? slot.signal.reason : error;
    } finally {
      slot.release();
    }
  }

  /** Sends `request` in the place `slot`, which is given back when the body is over. */
  #send(connection: Connection, request: ApiRequest, slot: Slot): Promise<Response> {
    return sendRequest(connection, request, slot.signal).then(
      (response) => onBodyEnd(response, slot.signal, slot.release),
      (error: unknown) => {
        slot.release();
        throw error;
      },
    );
  }

  /** {@linkcode PodmanClient.request} when something may have to be waited for. */
  async #request(request: ApiRequest, signal?: AbortSignal): Promise<Response> {
    // Before a slot is taken: a credential helper may take a while. Only requests to a
    // registry want credentials.
    if (request.credentials !== undefined) {
      request = await withUserCredentials(request, this.#credentials, signal);
    }
    const connection = await this.#connector.connect(request.action, signal);
    if (request.cleanup) {
      // Sent even while close() waits for the operation it cleans up after.
      return await sendRequest(connection, request, signal);
    }
    return this.#send(connection, request, await this.#slots.acquire(request.action, signal));
  }

  /**
   * The libpod API version the client speaks, read once from the server.
   *
   * @returns A promise of the version, e.g. `"4.3.1"`.
   *
   * @example
   * ```ts ignore
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = new PodmanClient();
   * console.log(await podman.apiVersion());
   * ```
   */
  async apiVersion(signal?: AbortSignal): Promise<string> {
    return (await this.#connector.connect("Cannot read the API version", signal)).apiVersion;
  }

  /**
   * How the client reaches the service, known once connected: `unix` (a Unix socket it
   * opened), `tcp`, `ssh` (a tunnel to another machine) or `transport` (one given in the
   * options). Only a `unix` service may be asked to read this machine's files in place (see
   * `via` of `load` and `build`).
   *
   * @returns A promise of the kind; it connects first when the client has not yet.
   *
   * @example
   * ```ts ignore
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = new PodmanClient({ baseUrl: "unix:///run/podman/podman.sock" });
   * console.log(await podman.connectionKind()); // "unix"
   * ```
   */
  async connectionKind(signal?: AbortSignal): Promise<ConnectionKind> {
    return (await this.#connector.connect("Cannot connect to Podman", signal)).kind;
  }

  /**
   * Makes {@linkcode PodmanClient.close} wait for `work` before it lets the connection go:
   * for an operation that must take back what it left half-done when it is cut short (an
   * artifact `add` removes the artifact it made), by an unsubscribe or by `close()` itself.
   * `work` must bound its own time; its requests are marked `cleanup`.
   *
   * @param work A promise that settles when the operation is done, cleanup included.
   */
  keepOpenUntil(work: Promise<unknown>): void {
    const settled = work.then(() => {}, () => {});
    this.#finishing.add(settled);
    settled.then(() => this.#finishing.delete(settled));
  }

  /**
   * The credentials this client would send for the registry of `reference`, from the auth
   * files and credential helpers its `credentials` option names; `undefined` when it has none
   * (or the option is `false`). What it returns shows no secret when logged.
   *
   * @param reference An image reference, e.g. `quay.io/team/app:1`, or a registry host.
   * @param action What the caller is doing, at the start of an error's message.
   * @param signal Stops a credential helper that is running.
   * @returns A promise of the credentials, if any.
   * @throws {PodmanError} (as a rejection) For an auth file that cannot be read or parsed, or a
   * credential helper that fails; the message names the file or the helper, never a secret.
   *
   * @example
   * ```ts ignore
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = new PodmanClient();
   * const auth = await podman.registryCredentials("quay.io/team/app:1", "Cannot check");
   * console.log(auth?.username ?? "no credentials for quay.io");
   * ```
   */
  registryCredentials(
    reference: string,
    action: string,
    signal?: AbortSignal,
  ): Promise<AuthConfig | undefined> {
    return userCredentials(this.#credentials, reference, action, signal);
  }

  /**
   * The major version of the server's API (4, 5, ...), for behaviour that differs.
   *
   * @example
   * ```ts ignore
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = new PodmanClient();
   * console.log((await podman.apiMajorVersion()) >= 5 ? "streams push" : "blocking push");
   * ```
   */
  async apiMajorVersion(signal?: AbortSignal): Promise<number> {
    return parseApiVersion(await this.apiVersion(signal)).major;
  }

  /**
   * Checks that the service answers.
   *
   * @returns A cold Observable that emits `true` once the service answered `/_ping`, then
   * completes; it errors with {@linkcode PodmanError} when no service answers.
   *
   * @example
   * ```ts ignore
   * import { PodmanClient } from "@podrx/podrx";
   * import { firstValueFrom } from "rxjs";
   *
   * await using podman = new PodmanClient();
   * console.log(await firstValueFrom(podman.ping()));
   * ```
   */
  ping(options?: OperationOptions): Observable<boolean> {
    const action = "Cannot ping Podman";
    return operation<boolean>(action, options, async ({ emit, signal }) => {
      const response = await this.request({ path: "/_ping", action }, signal);
      emit((await response.text()).trim() === "OK");
    });
  }

  /**
   * Reads the service's version report (`GET /libpod/version`).
   *
   * @returns A cold Observable of the report; one request per subscription.
   *
   * @example
   * ```ts ignore
   * import { PodmanClient } from "@podrx/podrx";
   * import { firstValueFrom } from "rxjs";
   *
   * await using podman = new PodmanClient();
   * console.log((await firstValueFrom(podman.version())).version);
   * ```
   */
  version(options?: OperationOptions): Observable<VersionReport> {
    const action = "Cannot read the Podman version";
    return operation<VersionReport>(action, options, async ({ emit, signal }) => {
      const response = await this.request({ path: "/version", action }, signal);
      emit(readVersionReport(await response.json()));
    });
  }

  /**
   * Ends every operation still running or waiting for a connection at once (request, upload
   * and response body are aborted; each subscriber gets a {@linkcode PodmanError} saying the
   * client was closed, and a promise twin rejects with it), then releases the client's
   * connections, stops its SSH tunnel and, for a client made by
   * {@linkcode PodmanClient.spawn}, its service. Operations started afterwards fail the same
   * way. Connections that were idle are closed by Deno within a second (see the README).
   *
   * @example
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   *
   * const podman = new PodmanClient({ baseUrl: "unix:///run/podman/podman.sock" });
   * await podman.close();
   * ```
   */
  async close(): Promise<void> {
    this.#slots.close();
    // Cut short by the line above, an operation may still take back what it half made.
    await Promise.allSettled(this.#finishing);
    const results = await Promise.allSettled([
      this.#connector.close(),
      ...(this.#service ? [this.#service.stop()] : []),
    ]);
    const failure = results.find((result) => result.status === "rejected");
    if (failure) throw failure.reason;
  }

  /**
   * `ping()` and `version()` as promises, for scripts that want the answer, not the stream.
   *
   * @example
   * ```ts ignore
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = new PodmanClient();
   * console.log((await podman.promises.version()).version);
   * ```
   */
  get promises(): ClientPromises {
    return (this.#promises ??= {
      ping: (options = {}) => lastOf(this.ping(options)),
      version: (options = {}) => lastOf(this.version(options)),
    });
  }

  /** Same as {@linkcode PodmanClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The await-style twins of {@linkcode PodmanClient}'s Observable methods. */
export interface ClientPromises {
  /** `ping()` as a promise of `true` once the service answered. */
  ping(options?: OperationOptions & AwaitOptions): Promise<boolean>;
  /** `version()` as a promise of the report. */
  version(options?: OperationOptions & AwaitOptions): Promise<VersionReport>;
}

true satisfies TwinsOf<PodmanClient, ClientPromises>;

// The client is every operation's door to the service.
true satisfies PodmanClient extends Requester ? true : false;
