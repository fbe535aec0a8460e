/**
 * podrx drives Podman's images API as RxJS streams, on Deno, Node and Bun, over the runtime's
 * own HTTP client (Deno's native one, `node:http`, Bun's `fetch`; Unix socket, TCP or SSH). Every operation of podman-py's `ImagesManager` is here, named in
 * camelCase, and returns a cold Observable: nothing is sent until subscribe, each subscription
 * is one request, and unsubscribing aborts it. Build logs, pull and push progress and load
 * results arrive live. Every operation also has an awaitable twin under `images.promises`.
 *
 * Observable style:
 *
 * ```ts check-only
 * import { PodmanClient, progress, renderProgress } from "@podrx/podrx";
 * import { concatMap, filter, last, lastValueFrom, tap } from "rxjs";
 *
 * await using podman = new PodmanClient({ baseUrl: "unix:///run/podman/podman.sock" });
 * // Awaited, so that `await using` closes the client only once the pipeline is done.
 * await lastValueFrom(
 *   podman.images.pull("127.0.0.1:5000/base:1", { tlsVerify: false }).pipe(
 *     progress(),
 *     renderProgress({ label: "pull" }),
 *     last(),
 *     concatMap(() => podman.images.build({ path: "./app", tag: "127.0.0.1:5000/app:2" })),
 *     filter((event) => event.type === "built"),
 *     concatMap(() => podman.images.push("127.0.0.1:5000/app:2", { tlsVerify: false })),
 *     tap((event) => console.log(event.type)),
 *   ),
 * );
 * ```
 *
 * Await style, with the same names and options plus `signal` and `onProgress`:
 *
 * ```ts check-only
 * import { PodmanClient } from "@podrx/podrx";
 *
 * await using podman = new PodmanClient();
 * const image = await podman.images.promises.pull("127.0.0.1:5000/base:1", {
 *   tlsVerify: false,
 *   signal: AbortSignal.timeout(60_000),
 *   onProgress: (event) => event.type === "status" && console.log(event.message),
 * });
 * const { image: built, log } = await podman.images.promises.build({ path: "./app" });
 * console.log(image.id, built.id, log.length);
 * ```
 *
 * @module
 */

export { PodmanClient } from "./src/podman/podman_client.ts";
export type { LibpodClient } from "./src/client/libpod_client.ts";
export type { VersionComponent, VersionReport } from "./src/client/version_report.ts";
export type { PodmanClientOptions } from "./src/client/client_options.ts";
export type { ConnectionKind } from "./src/client/requester.ts";
export type { ServiceInfo } from "./src/service/spawn_service.ts";
export type { SpawnServiceOptions } from "./src/service/spawn_service_options.ts";
export { findPodmanConnection, readPodmanConnections } from "./src/config/podman_connections.ts";
export type { PodmanConnection, PodmanConnections } from "./src/config/podman_connections.ts";
export type { ApiRequest, CredentialsWanted } from "./src/client/api_request.ts";
export type { Query, QueryValue } from "./src/client/query.ts";
export type { OperationOptions } from "./src/client/operation.ts";
export type { Transport } from "./src/transport/transport.ts";
export { tcpTransport, unixSocketTransport } from "./src/transport/socket_transport.ts";
export {
  APIError,
  BuildError,
  ConnectionError,
  ImageNotFound,
  isPodmanError,
  NotFound,
  PodmanError,
  TimeoutError,
} from "./src/errors.ts";
export type { APIErrorDetails, ConnectionErrorReason } from "./src/errors.ts";
export { ImagesManager } from "./src/images/images_manager.ts";
export type { AwaitOptions } from "./src/async/await_options.ts";
export { Operation } from "./src/async/operation.ts";
export type { ResultCollector } from "./src/async/operation.ts";
export type { AwaitTwins, OperationNames, WithOptions } from "./src/async/twins.ts";
export type { ListOptions } from "./src/images/operations/list.ts";
export type { PruneOptions } from "./src/images/operations/prune.ts";
export type { RemoveOptions } from "./src/images/operations/remove.ts";
export type { SearchOptions } from "./src/images/operations/search.ts";
export type {
  RegistryDataOptions,
  RegistryDataSource,
} from "./src/images/operations/read_registry_data.ts";
export type { ManifestPlatform, RegistryManifest } from "./src/registry/read_manifest.ts";
export { Image } from "./src/images/image.ts";
export type { LayerProgressEvent, PullStatusEvent } from "./src/vocabulary/stream_events.ts";
export type { PullOptions } from "./src/images/operations/pull.ts";
export type {
  BuildEvent,
  BuildResult,
  BuiltEvent,
  BuiltManifestEvent,
  PlatformImage,
  PulledEvent,
  PullEvent,
} from "./src/images/image_events.ts";
export type {
  PushedEvent,
  PushEvent,
  PushStatusEvent,
} from "./src/images/operations/push_events.ts";
export type { PushOptions } from "./src/images/operations/push_options.ts";
export type { BuildLogEvent } from "./src/images/operations/building/build_events.ts";
export type {
  BuildOptions,
  ContainerLimits,
} from "./src/images/operations/building/build_options.ts";
export { LAYER_DONE_STATUSES, progress } from "./src/progress/progress.ts";
export type { ProgressEvent, ProgressSnapshot } from "./src/progress/progress.ts";
export type { LayerState } from "./src/progress/layer_state.ts";
export { renderProgress } from "./src/progress/progress_renderer.ts";
export { formatBytes } from "./src/progress/format_bytes.ts";
export type { ProgressOutput, RenderProgressOptions } from "./src/progress/progress_renderer.ts";
export type { LoadOptions, LoadSource } from "./src/images/operations/load_options.ts";
export type { SaveOptions } from "./src/images/operations/save_options.ts";
export type { ScpOptions, ScpReport } from "./src/images/operations/scp.ts";
export type { TagOptions } from "./src/images/operations/tag.ts";
export { RegistryData } from "./src/images/registry_data.ts";
export { ArtifactsManager } from "./src/artifacts/artifacts_manager.ts";
export { Artifact } from "./src/artifacts/artifact.ts";
export type { ArtifactAttrs, ArtifactFile, ArtifactManifest } from "./src/artifacts/artifact.ts";
export type {
  AddArtifactOptions,
  ArtifactFileSource,
  ArtifactSource,
} from "./src/artifacts/operations/add.ts";
export type { ArtifactFileData } from "./src/artifacts/operations/_file_upload.ts";
export type {
  ArtifactsToRemove,
  RemoveArtifactOptions,
} from "./src/artifacts/operations/remove.ts";
export type { ArtifactTransferOptions } from "./src/artifacts/operations/_transfer_options.ts";
export type {
  ArtifactExtractedEvent,
  ArtifactExtractEvent,
  ArtifactFileSelector,
  ExtractArtifactOptions,
  ExtractedFile,
  ExtractFileOptions,
} from "./src/artifacts/operations/extract.ts";
export type {
  ArtifactAddedEvent,
  ArtifactAddEvent,
  ArtifactPulledEvent,
  ArtifactPullEvent,
  ArtifactPushedEvent,
  ArtifactPushEvent,
} from "./src/artifacts/operations/transfer_events.ts";
export { CredentialsManager } from "./src/credentials/credentials_manager.ts";
export type { LoginOptions, LoginReport } from "./src/credentials/login.ts";
export type { LogoutOptions, LogoutReport, LogoutTarget } from "./src/credentials/logout.ts";
export { ManifestsManager } from "./src/manifests/manifests_manager.ts";
export { Manifest } from "./src/manifests/manifest.ts";
export type {
  ManifestAttrs,
  ManifestEntry,
  ManifestEntryPlatform,
} from "./src/vocabulary/manifest_attrs.ts";
export type { CreateManifestOptions } from "./src/manifests/operations/create.ts";
export type { ManifestAddOptions } from "./src/manifests/operations/modify.ts";
export type { ManifestPushEvent, ManifestPushOptions } from "./src/manifests/operations/push.ts";
export type { Platform } from "./src/vocabulary/platform.ts";
export type { Filters, FilterValue } from "./src/vocabulary/filters.ts";
export type { AuthConfig } from "./src/vocabulary/registry_auth.ts";
export type {
  HistoryEntry,
  ImageAttrs,
  PruneBuildsReport,
  PruneReport,
  RemoveReport,
  SearchResult,
} from "./src/vocabulary/reports.ts";
export { Fleet } from "./src/fleet/fleet.ts";
export type { FleetArtifacts } from "./src/fleet/fleet_artifacts.ts";
export type { FleetImages } from "./src/fleet/fleet_images.ts";
export type { FleetForms } from "./src/fleet/fleet_forms.ts";
export type {
  DistributeArtifactEvent,
  DistributedArtifact,
} from "./src/fleet/distribute_artifact_event.ts";
export type { DistributeArtifactOptions } from "./src/fleet/distribute_artifact_options.ts";
export type { FromConnectionsOptions } from "./src/fleet/fleet_connections.ts";
export type { FleetHosts, FleetHostSource } from "./src/fleet/fleet_host.ts";
export { FleetError } from "./src/fleet/fleet_error.ts";
export type { FleetFailure } from "./src/fleet/fleet_error.ts";
export type {
  FleetDoneEvent,
  FleetEvent,
  FleetFailedEvent,
  FleetHostEvent,
  FleetOptions,
  FleetRetryEvent,
  FleetRetryPolicy,
  FleetRunOptions,
  FleetStartedEvent,
} from "./src/fleet/fleet_event.ts";
export type {
  DistributedImage,
  DistributeEvent,
  LoadedEvent,
  SavedEvent,
  SentEvent,
} from "./src/fleet/distribute_event.ts";
export type { DistributeOptions, RegistryRoute } from "./src/fleet/distribute_options.ts";
export type { RegistryAccess } from "./src/fleet/registry_access.ts";
export { fleetProgress } from "./src/fleet/fleet_progress.ts";
export type {
  FleetHostState,
  FleetProgressOptions,
  FleetSnapshot,
} from "./src/fleet/fleet_progress.ts";
export { renderFleetProgress } from "./src/fleet/fleet_progress_renderer.ts";
export type { RenderFleetProgressOptions } from "./src/fleet/fleet_progress_renderer.ts";
