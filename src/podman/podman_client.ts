import { ArtifactsManager } from "../artifacts/artifacts_manager.ts";
import { LibpodClient } from "../client/libpod_client.ts";
import type { PodmanClientOptions } from "../client/client_options.ts";
import { CredentialsManager } from "../credentials/credentials_manager.ts";
import { ImagesManager } from "../images/images_manager.ts";
import { ManifestsManager } from "../manifests/manifests_manager.ts";
import { type ServiceInfo, type SpawnedService, spawnService } from "../service/spawn_service.ts";
import {
  type SpawnServiceOptions,
  validateSpawnOptions,
} from "../service/spawn_service_options.ts";
import type { AuthConfig } from "../vocabulary/registry_auth.ts";
import {
  type CredentialsSource,
  credentialsSource,
  userCredentials,
  withUserCredentials,
} from "./_registry_credentials.ts";

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
 * ```ts
 * import { PodmanClient } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 * import { lastValueFrom } from "rxjs";
 *
 * // Answers as Podman 5 lists one image; leave `transport` out to use your own service (or
 * // give `baseUrl: "unix:///run/podman/podman.sock"`).
 * const busybox = { Id: "b".repeat(64), RepoTags: ["docker.io/library/busybox:latest"] };
 * await using podman = new PodmanClient({
 *   transport: {
 *     origin: "http://libpod",
 *     description: "a fake Podman",
 *     fetch: async () => Response.json([busybox], { headers: { "Libpod-API-Version": "5.4.0" } }),
 *     close: () => {},
 *   },
 * });
 * const images = await lastValueFrom(podman.images.list());
 * assert.deepEqual(images.map((image) => image.tags), [["docker.io/library/busybox:latest"]]);
 * ```
 */
export class PodmanClient extends LibpodClient {
  /** The image operations of this service. */
  readonly images: ImagesManager;
  /** The manifest-list operations of this service. */
  readonly manifests: ManifestsManager;
  /** The OCI artifact operations of this service (Podman 5.6 and later). */
  readonly artifacts: ArtifactsManager;
  /**
   * Registry login and logout, as `podman login` and `podman logout` keep credentials (in the
   * auth file); they need no service, only the registry.
   */
  readonly credentials: CredentialsManager;
  readonly #credentials: CredentialsSource;
  #service: SpawnedService | undefined;

  /** Creates a client; no connection is made until the first operation. */
  constructor(options: PodmanClientOptions = {}) {
    const credentials = credentialsSource(options?.credentials);
    super(options, (request, signal) => withUserCredentials(request, credentials, signal));
    this.#credentials = credentials;
    this.images = new ImagesManager(this);
    this.manifests = new ManifestsManager(this);
    this.artifacts = new ArtifactsManager(this);
    this.credentials = new CredentialsManager(
      credentials === false ? undefined : credentials.authfile,
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
   * ```ts check-only
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
   * ```ts check-only
   * import { PodmanClient } from "@podrx/podrx";
   *
   * await using podman = await PodmanClient.spawn({ storage: "private", storageDriver: "vfs" });
   * const { root, runroot } = podman.service!;
   * console.log(`podman --root ${root} --runroot ${runroot} images`);
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
   * ```ts
   * import { PodmanClient } from "@podrx/podrx";
   * import assert from "node:assert/strict";
   *
   * // An auth file as `podman login` writes it; without `credentials`, the client reads the
   * // same files Podman reads.
   * const dir = await Deno.makeTempDir();
   * const authfile = `${dir}/auth.json`;
   * const auths = { "quay.io": { auth: btoa("ci:s3cret") } };
   * await Deno.writeTextFile(authfile, JSON.stringify({ auths }));
   * await using podman = new PodmanClient({ credentials: { authfile } });
   * const auth = await podman.registryCredentials("quay.io/team/app:1", "Cannot check");
   * assert.equal(auth?.username, "ci");
   * const none = await podman.registryCredentials("ghcr.io/team/app:1", "Cannot check");
   * assert.equal(none, undefined);
   * await Deno.remove(dir, { recursive: true });
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
   * Ends every operation and releases the connections, as {@linkcode LibpodClient.close}, then
   * stops the service a client made by {@linkcode PodmanClient.spawn} started.
   */
  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      await this.#service?.stop();
    }
  }
}
