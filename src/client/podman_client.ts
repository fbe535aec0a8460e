import type { Observable } from "rxjs";
import { findPodmanConnection } from "../config/podman_connections.ts";
import { PodmanError } from "../errors.ts";
import { ImagesManager } from "../images/images_manager.ts";
import {
  type ServiceInfo,
  type SpawnedService,
  spawnService,
  type SpawnServiceOptions,
  validateSpawnOptions,
} from "../service/spawn_service.ts";
import { parseSshUrl } from "../service/ssh_tunnel.ts";
import { type ApiRequest, connectionError, errorFromResponse } from "./api_request.ts";
import {
  type Candidate,
  directEndpoint,
  discoveryCandidates,
  type Endpoint,
  isSshUrl,
  openEndpoint,
  type SshConnectOptions,
  transportFor,
} from "./connection.ts";
import { operation, type OperationOptions } from "./operation.ts";
import { toSearchParams } from "./query.ts";
import type { Transport } from "./transport.ts";

/** Options for {@linkcode PodmanClient}. */
export interface PodmanClientOptions {
  /**
   * Where the service listens: `unix:///abs/path.sock`, `tcp://host:port`, `http://host:port`,
   * or `ssh://[user@]host[:port]/path/to/podman.sock` for a remote service reached through
   * the system's OpenSSH client (see `identity`).
   *
   * When neither this nor `connection` is given, the client looks at `CONTAINER_HOST`
   * (with `CONTAINER_SSHKEY`), `DOCKER_HOST`, the connection named by `CONTAINER_CONNECTION`,
   * Podman's default connection, `$XDG_RUNTIME_DIR/podman/podman.sock` and
   * `/run/podman/podman.sock`, in that order, and uses the first that answers.
   * @default {undefined}
   */
  baseUrl?: string;
  /**
   * The name of a connection recorded by `podman system connection add`, read from
   * `$XDG_CONFIG_HOME/containers/podman-connections.json` or from `containers.conf`
   * (`[engine.service_destinations.NAME]`). Cannot be combined with `baseUrl`.
   * @default {undefined}
   */
  connection?: string;
  /**
   * Private key for `ssh://` URLs (ssh's `-i`); overrides the connection's recorded
   * identity. ssh's own keys and agent are used when neither is set.
   * @default {undefined}
   */
  identity?: string;
  /**
   * Check the SSH host key against the known hosts (`StrictHostKeyChecking=yes`): an
   * unknown or changed key fails the connection. `false` accepts any host key and records
   * none, which lets anyone on the network path pose as the host: only for throwaway hosts.
   * @default {true}
   */
  sshHostKeyChecking?: boolean;
  /**
   * A known_hosts file to check SSH host keys against, instead of `~/.ssh/known_hosts`.
   * @default {undefined}
   */
  sshKnownHostsFile?: string;
  /** A ready transport; takes precedence over `baseUrl`. The client closes it on `close()`. */
  transport?: Transport;
  /**
   * The libpod API version to use in the `/v{version}/libpod/` prefix. Read from the server
   * (`Libpod-API-Version`) on first use when left out.
   */
  apiVersion?: string;
}

/** The service's report from `GET /libpod/version`. */
export interface VersionReport {
  /** Platform name, e.g. `linux/amd64/debian-12`. */
  Platform?: { Name: string };
  /** Podman engine, conmon, OCI runtime... with their versions. */
  Components?: { Name: string; Version: string; Details?: Record<string, string> }[];
  /** Podman version, e.g. `4.3.1`. */
  Version: string;
  /** Docker-compatible API version (e.g. `1.41`); the libpod one is under `Components`. */
  ApiVersion: string;
  /** Lowest API version the service accepts. */
  MinAPIVersion?: string;
  /** Operating system of the service. */
  Os: string;
  /** CPU architecture of the service. */
  Arch: string;
  /** Further fields the server sends. */
  [field: string]: unknown;
}

interface Connection {
  transport: Transport;
  apiVersion: string;
  /** The endpoint behind the transport, when the client opened it. */
  endpoint?: Endpoint | undefined;
}

function parseMajor(version: string): number {
  const major = Number.parseInt(version, 10);
  return Number.isNaN(major) ? 0 : major;
}

const CLOSED_DURING_CONNECT = "the client was closed while connecting";

/**
 * A client of one Podman service. Its `images` manager holds the image operations; every
 * operation returns a cold Observable: nothing is sent until subscribe, each subscription is
 * one request, and unsubscribing aborts it.
 *
 * The connection is made on first use. Close the client (or use `await using`) to release
 * its sockets.
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
  readonly images: ImagesManager;
  #options: PodmanClientOptions;
  #connection: Promise<Connection> | undefined;
  #endpoints: Endpoint[] = [];
  #closed = false;
  // Aborts an SSH tunnel that is still opening when the client is closed.
  #lifetime = new AbortController();
  #service: SpawnedService | undefined;
  // Endpoints being opened (SSH tunnels), which close() waits for after aborting them.
  #opening = new Set<Promise<unknown>>();
  // The settled value of #connection, to notice an endpoint that died since.
  #current: Connection | undefined;

  /** Creates a client; no connection is made until the first operation. */
  constructor(options: PodmanClientOptions = {}) {
    for (const key of ["baseUrl", "connection", "identity", "sshKnownHostsFile"] as const) {
      if (options[key] !== undefined && typeof options[key] !== "string") {
        throw new TypeError(`Cannot create PodmanClient: ${key} must be a string`);
      }
    }
    if (
      options.sshHostKeyChecking !== undefined && typeof options.sshHostKeyChecking !== "boolean"
    ) {
      throw new TypeError("Cannot create PodmanClient: sshHostKeyChecking must be a boolean");
    }
    if (options.baseUrl !== undefined && options.connection !== undefined) {
      throw new TypeError("Cannot create PodmanClient: give either baseUrl or connection");
    }
    if (options.connection === "") {
      throw new TypeError("Cannot create PodmanClient: connection must not be empty");
    }
    // Parse the URL now, so a malformed one fails at construction, not on first use.
    if (options.baseUrl !== undefined && !options.transport) {
      if (isSshUrl(options.baseUrl)) {
        parseSshUrl(options.baseUrl);
      } else {
        const transport = transportFor(options.baseUrl);
        this.#endpoints.push(directEndpoint(transport));
      }
    }
    this.#options = options;
    this.images = new ImagesManager(this);
  }

  /**
   * Starts a private `podman system service` on a socket in a new temp directory and
   * returns a client connected to it. Closing the client stops the service (SIGTERM, then
   * SIGKILL after `stopTimeout`) and removes the directory; so do SIGINT and SIGTERM (unless
   * `handleSignals: false`) and a script that ends without closing it.
   *
   * @param options Storage, environment and timing; see {@linkcode SpawnServiceOptions}.
   * @returns A client whose {@linkcode PodmanClient.service} describes the service.
   * @throws {TypeError} For malformed options, before anything starts.
   * @throws {RangeError} For a timeout that is not a positive number.
   * @throws {PodmanError} (as a rejection) When there is no `podman` program, or the service
   * exits or does not answer in time; the message ends with the service's log.
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
    validateSpawnOptions(options);
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
   * This is the low-level door every operation goes through; prefer the operations.
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
  async request(request: ApiRequest, signal?: AbortSignal): Promise<Response> {
    const { transport, apiVersion } = await this.#connect(request.action, signal);
    const path = `/v${apiVersion}/libpod${request.path}`;
    const search = request.query ? toSearchParams(request.query).toString() : "";
    const url = `${transport.origin}${path}${search ? `?${search}` : ""}`;
    const init: RequestInit & { duplex?: "half" } = {
      method: request.method ?? "GET",
      headers: request.headers ?? {},
      body: request.body ?? null,
      signal: signal ?? null,
    };
    if (request.body instanceof ReadableStream) init.duplex = "half";
    let response: Response;
    try {
      response = await transport.fetch(url, init);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw connectionError(request.action, transport.description, error, request.secrets);
    }
    if (response.status >= 400) throw await errorFromResponse(request, response, path);
    return response;
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
    return (await this.#connect("Cannot read the API version", signal)).apiVersion;
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
    return parseMajor(await this.apiVersion(signal));
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
   * console.log((await firstValueFrom(podman.version())).Version);
   * ```
   */
  version(options?: OperationOptions): Observable<VersionReport> {
    const action = "Cannot read the Podman version";
    return operation<VersionReport>(action, options, async ({ emit, signal }) => {
      const response = await this.request({ path: "/version", action }, signal);
      emit(await response.json());
    });
  }

  /**
   * Releases the client's connections, stops its SSH tunnel and, for a client made by
   * {@linkcode PodmanClient.spawn}, its service. Operations started afterwards fail.
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
    if (this.#closed) {
      await this.#service?.stop();
      return;
    }
    this.#closed = true;
    this.#lifetime.abort(new PodmanError(CLOSED_DURING_CONNECT));
    // An SSH tunnel still opening is torn down by the abort; wait for that to finish.
    await Promise.allSettled([...this.#opening]);
    const endpoints = this.#endpoints;
    this.#endpoints = [];
    this.#options.transport?.close();
    const results = await Promise.allSettled([
      ...endpoints.map((endpoint) => endpoint.close()),
      ...(this.#service ? [this.#service.stop()] : []),
    ]);
    const failure = results.find((result) => result.status === "rejected");
    if (failure) throw failure.reason;
  }

  /** Same as {@linkcode PodmanClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #connect(action: string, signal: AbortSignal | undefined): Promise<Connection> {
    if (this.#closed) {
      return Promise.reject(new PodmanError(`${action}: the client is closed`));
    }
    const dead = this.#current?.endpoint;
    if (dead && !dead.isAlive()) {
      // The SSH tunnel went down (ssh exited): open a new one rather than fail forever.
      this.#current = undefined;
      this.#connection = undefined;
      void this.#forget(dead).catch(() => undefined);
    }
    if (this.#current) {
      // Connected already: nothing to wait for, so no abort listener to add (that costs
      // more than the rest of a short call's client-side work).
      return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve(this.#current);
    }
    if (!this.#connection) {
      const connecting = this.#establish(action);
      this.#connection = connecting;
      connecting.then((connection) => {
        if (this.#connection === connecting) this.#current = connection;
      }, () => {
        // A failed attempt is not cached: the next operation tries again.
        if (this.#connection === connecting) this.#connection = undefined;
      });
    }
    return signal ? abortable(this.#connection, signal) : this.#connection;
  }

  async #establish(action: string): Promise<Connection> {
    const explicit = this.#options.transport ?? this.#endpoints[0]?.transport;
    if (explicit) {
      const apiVersion = this.#options.apiVersion ?? await readApiVersion(explicit, action);
      return { transport: explicit, apiVersion };
    }
    const { baseUrl, connection } = this.#options;
    if (baseUrl !== undefined || connection !== undefined) {
      const named = connection === undefined
        ? undefined
        : await findPodmanConnection(connection, action);
      const endpoint = await this.#open(
        named?.uri ?? baseUrl!,
        this.#sshOptions(action, named?.identity),
      );
      try {
        const apiVersion = this.#options.apiVersion ??
          await readApiVersion(endpoint.transport, action);
        return { transport: endpoint.transport, apiVersion, endpoint };
      } catch (error) {
        await this.#forget(endpoint);
        throw error;
      }
    }
    const failures: string[] = [];
    for (const candidate of await discoveryCandidates()) {
      const result = await this.#tryCandidate(candidate, action);
      if ("endpoint" in result) {
        return {
          transport: result.endpoint.transport,
          apiVersion: this.#options.apiVersion ?? result.apiVersion,
          endpoint: result.endpoint,
        };
      }
      failures.push(result.failure);
    }
    throw new PodmanError(
      `${action}: no Podman service answered; looked at ${failures.join("; ")}`,
    );
  }

  #sshOptions(action: string, identity: string | undefined): SshConnectOptions {
    return {
      identity: this.#options.identity ?? identity,
      hostKeyChecking: this.#options.sshHostKeyChecking,
      knownHostsFile: this.#options.sshKnownHostsFile,
      action,
      signal: this.#lifetime.signal,
    };
  }

  /** Opens an endpoint the client owns from now on, unless it was closed meanwhile. */
  async #open(baseUrl: string, ssh: SshConnectOptions): Promise<Endpoint> {
    let endpoint: Endpoint;
    const opening = openEndpoint(baseUrl, ssh);
    this.#opening.add(opening);
    try {
      endpoint = await opening;
    } catch (error) {
      if (!this.#closed) throw error;
      throw new PodmanError(`${ssh.action}: ${CLOSED_DURING_CONNECT}`, { cause: error });
    } finally {
      this.#opening.delete(opening);
    }
    if (this.#closed) {
      await endpoint.close();
      throw new PodmanError(`${ssh.action}: ${CLOSED_DURING_CONNECT}`);
    }
    this.#endpoints.push(endpoint);
    return endpoint;
  }

  async #forget(endpoint: Endpoint): Promise<void> {
    this.#endpoints = this.#endpoints.filter((kept) => kept !== endpoint);
    await endpoint.close();
  }

  async #tryCandidate(
    candidate: Candidate,
    action: string,
  ): Promise<{ endpoint: Endpoint; apiVersion: string } | { failure: string }> {
    const place = `${candidate.baseUrl} (${candidate.source})`;
    if (candidate.problem !== undefined) return { failure: `${place}: ${candidate.problem}` };
    const reason = (error: unknown): string =>
      (error as Error).message.replace(`${action}: `, "")
        .replace(`cannot reach Podman at ${candidate.baseUrl}: `, "");
    let endpoint: Endpoint;
    try {
      endpoint = await this.#open(candidate.baseUrl, this.#sshOptions(action, candidate.identity));
    } catch (error) {
      if (this.#closed) throw error;
      return { failure: `${place}: ${reason(error)}` };
    }
    try {
      return { endpoint, apiVersion: await readApiVersion(endpoint.transport, action) };
    } catch (error) {
      await this.#forget(endpoint);
      return { failure: `${place}: ${reason(error)}` };
    }
  }
}

async function readApiVersion(transport: Transport, action: string): Promise<string> {
  let response: Response;
  try {
    response = await transport.fetch(`${transport.origin}/_ping`, { method: "GET" });
  } catch (error) {
    throw connectionError(action, transport.description, error);
  }
  await response.body?.cancel();
  const version = response.headers.get("Libpod-API-Version");
  if (!version) {
    throw new PodmanError(
      `${action}: ${transport.description} answered without a Libpod-API-Version header; ` +
        "is it a Podman service?",
    );
  }
  return version;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
