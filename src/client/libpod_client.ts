import type { Operation } from "../async/operation.ts";
import { type AwaitTwins, awaitTwins } from "../async/twins.ts";
import type { ApiRequest } from "./api_request.ts";
import { parseApiVersion } from "./api_version.ts";
import { type PodmanClientOptions, validateClientOptions } from "./client_options.ts";
import { Connector } from "./_connector.ts";
import type { OperationOptions } from "./operation.ts";
import type { ConnectionKind, Requester } from "./requester.ts";
import { type AddCredentials, RequestPath } from "./_request_path.ts";
import { RequestSlots } from "./_request_slots.ts";
import { pingService, readServiceVersion } from "./service_checks.ts";
import type { VersionReport } from "./version_report.ts";

/** How many requests a client runs at once unless `maxConnections` says otherwise. */
const DEFAULT_MAX_CONNECTIONS = 10;

/**
 * The core of a client of one Podman service: its connection (made on first use), the
 * requests it sends (at most `maxConnections` at once, the others waiting their turn), and
 * `ping()` and `version()`. It knows nothing of images or any other kind of operation: the
 * operations are functions of a client, and {@linkcode PodmanClient} (which extends this
 * class) binds them in its managers. Close it (or use `await using`) to end whatever still
 * runs and release its sockets.
 *
 * @example
 * ```ts
 * import { type LibpodClient, PodmanClient } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * // A PodmanClient is a LibpodClient: the core alone is enough to ping a service.
 * const fetch = async () => new Response("OK", { headers: { "Libpod-API-Version": "5.4.0" } });
 * await using podman = new PodmanClient({
 *   transport: { origin: "http://libpod", description: "a fake Podman", fetch, close() {} },
 * });
 * const core: LibpodClient = podman;
 * assert.equal(await core.promises.ping(), true);
 * ```
 */
export class LibpodClient implements AsyncDisposable {
  readonly #connector: Connector;
  readonly #slots: RequestSlots;
  readonly #requests: RequestPath;
  // Operations that close() lets finish taking back what they left half-done.
  readonly #finishing = new Set<Promise<unknown>>();
  #promises: AwaitTwins<LibpodClient> | undefined;

  /**
   * Creates a client; no connection is made until the first operation.
   *
   * @param options Where the service is and how to reach it.
   * @param addCredentials Adds registry credentials to the requests that want them; without
   *   it, none are added.
   * @ignore
   */
  constructor(options: PodmanClientOptions = {}, addCredentials?: AddCredentials) {
    validateClientOptions(options);
    this.#connector = new Connector(options);
    this.#slots = new RequestSlots(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    this.#requests = new RequestPath(this.#connector, this.#slots, addCredentials);
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
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * // Answers an image's inspection as Podman 5 does; leave `transport` out to ask your service.
   * const headers = { "Libpod-API-Version": "5.4.0" };
   * const fetch = async () => Response.json({ Id: "b".repeat(64) }, { headers });
   * await using podman = new PodmanClient({
   *   transport: { origin: "http://libpod", description: "a fake Podman", fetch, close() {} },
   * });
   * const response = await podman.request({
   *   path: "/images/busybox/json",
   *   action: "Cannot inspect busybox",
   * });
   * assert.equal((await response.json()).Id, "b".repeat(64));
   * ```
   */
  request(request: ApiRequest, signal?: AbortSignal): Promise<Response> {
    return this.#requests.send(request, signal);
  }

  /**
   * {@linkcode LibpodClient.request} with the body read whole as text, which gives the
   * request's place back once read. See `Requester.requestText`.
   *
   * @param request What to send, and the action to name in errors.
   * @param signal Aborts the request and the read.
   * @returns The answer's body.
   */
  requestText(request: ApiRequest, signal?: AbortSignal): Promise<string> {
    return this.#requests.sendForText(request, signal);
  }

  /**
   * The libpod API version the client speaks, read once from the server.
   *
   * @returns A promise of the version, e.g. `"4.3.1"`.
   *
   * @example
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * // The version comes from the `Libpod-API-Version` header of the service's `/_ping` answer.
   * const fetch = async () => new Response("OK", { headers: { "Libpod-API-Version": "5.4.0" } });
   * await using podman = new PodmanClient({
   *   transport: { origin: "http://libpod", description: "a fake Podman 5.4", fetch, close() {} },
   * });
   * assert.equal(await podman.apiVersion(), "5.4.0");
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
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * // A client given its own transport says "transport"; one made with
   * // `baseUrl: "unix:///run/podman/podman.sock"` says "unix".
   * const fetch = async () => new Response("OK", { headers: { "Libpod-API-Version": "5.4.0" } });
   * await using podman = new PodmanClient({
   *   transport: { origin: "http://libpod", description: "a fake Podman", fetch, close() {} },
   * });
   * assert.equal(await podman.connectionKind(), "transport");
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
   * The major version of the server's API (4, 5, ...), for behaviour that differs.
   *
   * @example
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * const fetch = async () => new Response("OK", { headers: { "Libpod-API-Version": "4.9.3" } });
   * await using podman = new PodmanClient({
   *   transport: { origin: "http://libpod", description: "a fake Podman 4.9", fetch, close() {} },
   * });
   * const streamsPush = (await podman.apiMajorVersion()) >= 5;
   * assert.equal(streamsPush, false);
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
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   * import { firstValueFrom } from "rxjs";
   *
   * // Answers `/_ping` as Podman does; leave `transport` out to ping your own service.
   * const fetch = async () => new Response("OK", { headers: { "Libpod-API-Version": "5.4.0" } });
   * await using podman = new PodmanClient({
   *   transport: { origin: "http://libpod", description: "a fake Podman", fetch, close() {} },
   * });
   * assert.equal(await firstValueFrom(podman.ping()), true);
   * ```
   */
  ping(options?: OperationOptions): Operation<boolean> {
    return pingService(this, options);
  }

  /**
   * Reads the service's version report (`GET /libpod/version`).
   *
   * @returns A cold Observable of the report; one request per subscription.
   *
   * @example
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   * import { firstValueFrom } from "rxjs";
   *
   * // Answers `/version` with part of what Podman 5.4 reports.
   * const report = { Version: "5.4.0", ApiVersion: "1.41", Os: "linux", Arch: "amd64" };
   * const headers = { "Libpod-API-Version": "5.4.0" };
   * const fetch = async () => Response.json(report, { headers });
   * await using podman = new PodmanClient({
   *   transport: { origin: "http://libpod", description: "a fake Podman", fetch, close() {} },
   * });
   * const { version, os, arch } = await firstValueFrom(podman.version());
   * assert.deepEqual({ version, os, arch }, { version: "5.4.0", os: "linux", arch: "amd64" });
   * ```
   */
  version(options?: OperationOptions): Operation<VersionReport> {
    return readServiceVersion(this, options);
  }

  /**
   * Ends every operation still running or waiting for a connection at once (request, upload
   * and response body are aborted; each subscriber gets a {@linkcode PodmanError} saying the
   * client was closed, and a promise twin rejects with it), then releases the client's
   * connections and stops its SSH tunnel (a `PodmanClient` made by `PodmanClient.spawn()` stops
   * its service too). Operations started afterwards fail the same
   * way. Connections that were idle are closed by Deno within a second (see the README).
   *
   * @example
   * ```ts
   * import { PodmanClient, PodmanError } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * const fetch = async () => new Response("OK", { headers: { "Libpod-API-Version": "5.4.0" } });
   * const podman = new PodmanClient({
   *   transport: { origin: "http://libpod", description: "a fake Podman", fetch, close() {} },
   * });
   * assert.equal(await podman.promises.ping(), true);
   * await podman.close();
   * // Whatever starts afterwards fails at once.
   * await assert.rejects(podman.promises.ping(), PodmanError);
   * ```
   */
  async close(): Promise<void> {
    this.#slots.close();
    // Cut short by the line above, an operation may still take back what it half made.
    await Promise.allSettled(this.#finishing);
    await this.#connector.close();
  }

  /**
   * `ping()` and `version()` as promises, for scripts that want the answer, not the stream.
   *
   * @example
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * const headers = { "Libpod-API-Version": "5.4.0" };
   * const fetch = async () => Response.json({ Version: "5.4.0" }, { headers });
   * await using podman = new PodmanClient({
   *   transport: { origin: "http://libpod", description: "a fake Podman", fetch, close() {} },
   * });
   * assert.equal((await podman.promises.version()).version, "5.4.0");
   * ```
   */
  get promises(): AwaitTwins<LibpodClient> {
    return (this.#promises ??= awaitTwins<LibpodClient>(this));
  }

  /** Same as {@linkcode LibpodClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// The client is every operation's door to the service.
true satisfies LibpodClient extends Requester ? true : false;
