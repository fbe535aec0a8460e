import type { Observable } from "rxjs";
import { PodmanError } from "../errors.ts";
import { ImagesManager } from "../images/images_manager.ts";
import { type ApiRequest, connectionError, errorFromResponse } from "./api_request.ts";
import { type Candidate, discoveryCandidates, transportFor } from "./connection.ts";
import { operation, type OperationOptions } from "./operation.ts";
import { toSearchParams } from "./query.ts";
import type { Transport } from "./transport.ts";

/** Options for {@linkcode PodmanClient}. */
export interface PodmanClientOptions {
  /**
   * Where the service listens: `unix:///abs/path.sock`, `tcp://host:port` or `http://host:port`.
   * When left out, the client looks at `CONTAINER_HOST`, `DOCKER_HOST`,
   * `$XDG_RUNTIME_DIR/podman/podman.sock` and `/run/podman/podman.sock`, in that order, and
   * uses the first that answers.
   */
  baseUrl?: string;
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
}

function parseMajor(version: string): number {
  const major = Number.parseInt(version, 10);
  return Number.isNaN(major) ? 0 : major;
}

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
  #transports: Transport[] = [];
  #closed = false;

  /** Creates a client; no connection is made until the first operation. */
  constructor(options: PodmanClientOptions = {}) {
    if (options.baseUrl !== undefined && typeof options.baseUrl !== "string") {
      throw new TypeError("Cannot create PodmanClient: baseUrl must be a string");
    }
    // Parse the URL now, so a malformed one fails at construction, not on first use.
    if (options.baseUrl !== undefined && !options.transport) {
      this.#transports.push(transportFor(options.baseUrl));
    }
    this.#options = options;
    this.images = new ImagesManager(this);
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
   * Releases the client's connections. Operations started afterwards fail.
   *
   * @example
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   *
   * const podman = new PodmanClient({ baseUrl: "unix:///run/podman/podman.sock" });
   * await podman.close();
   * ```
   */
  close(): Promise<void> {
    this.#closed = true;
    for (const transport of this.#transports) transport.close();
    this.#transports = [];
    this.#options.transport?.close();
    return Promise.resolve();
  }

  /** Same as {@linkcode PodmanClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #connect(action: string, signal: AbortSignal | undefined): Promise<Connection> {
    if (this.#closed) {
      return Promise.reject(new PodmanError(`${action}: the client is closed`));
    }
    if (!this.#connection) {
      const connecting = this.#establish(action);
      this.#connection = connecting;
      // A failed attempt is not cached: the next operation tries again.
      connecting.catch(() => {
        if (this.#connection === connecting) this.#connection = undefined;
      });
    }
    return signal ? abortable(this.#connection, signal) : this.#connection;
  }

  async #establish(action: string): Promise<Connection> {
    const explicit = this.#options.transport ?? this.#transports[0];
    if (explicit) {
      const apiVersion = this.#options.apiVersion ?? await readApiVersion(explicit, action);
      return { transport: explicit, apiVersion };
    }
    const candidates = discoveryCandidates();
    const failures: string[] = [];
    for (const candidate of candidates) {
      const result = await tryCandidate(candidate, action);
      if ("transport" in result) {
        this.#transports.push(result.transport);
        return {
          transport: result.transport,
          apiVersion: this.#options.apiVersion ?? result.apiVersion,
        };
      }
      failures.push(result.failure);
    }
    throw new PodmanError(
      `${action}: no Podman service answered; looked at ${failures.join("; ")}`,
    );
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

async function tryCandidate(
  candidate: Candidate,
  action: string,
): Promise<{ transport: Transport; apiVersion: string } | { failure: string }> {
  let transport: Transport;
  try {
    transport = transportFor(candidate.baseUrl);
  } catch (error) {
    return { failure: `${candidate.baseUrl} (${candidate.source}): ${(error as Error).message}` };
  }
  try {
    return { transport, apiVersion: await readApiVersion(transport, action) };
  } catch (error) {
    transport.close();
    const reason = (error as Error).message.replace(`${action}: `, "");
    return { failure: `${candidate.baseUrl} (${candidate.source}): ${reason}` };
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
