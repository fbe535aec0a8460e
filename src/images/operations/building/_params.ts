import { apiAtLeast } from "../../../client/api_version.ts";
import type { Query, QueryValue } from "../../../client/query.ts";
import { PodmanError } from "../../../errors.ts";
import { buildPlatforms } from "../../../vocabulary/build_platforms.ts";
import { retryDelayParam } from "../../../vocabulary/registry_retry.ts";
import { type BuildContextSource, buildContextsParam } from "./_build_contexts.ts";
import type { BuildOptions } from "./build_options.ts";

/** podman-py's default, so the layer cache is used (podman-py issue #528). */
export const DEFAULT_OUTPUT_FORMAT = "application/vnd.oci.image.manifest.v1+json";

/** What the context packing decided, which the query must name. */
export interface ContextParams {
  /** The `dockerfile` parameter: a path inside the uploaded context. */
  dockerfile: string | undefined;
  /**
   * Ignore patterns for `COPY`/`ADD` on the server (`excludes`); when set, the server uses
   * these instead of reading an ignore file from the context.
   */
  excludes: readonly string[] | undefined;
  /** The named contexts (`additionalBuildContexts`); the local ones travel in the body. */
  namedContexts?: readonly BuildContextSource[];
}

/** The tags as a list (`tag` takes one name or several). */
export function tagsOf(options: BuildOptions): string[] {
  const { tag } = options;
  if (tag === undefined) return [];
  return typeof tag === "string" ? [tag] : [...tag];
}

function json(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

/** `extraHosts` as the server parses it: a JSON array of `host:ip` strings. */
function extraHostsOf(extraHosts: BuildOptions["extraHosts"]): string[] | undefined {
  if (extraHosts === undefined) return undefined;
  if (Array.isArray(extraHosts)) return [...extraHosts];
  return Object.entries(extraHosts).map(([host, address]) => `${host}:${address}`);
}

// libpod reads the network of RUN steps from `nsoptions` (buildah's NamespaceOptions) and
// `networkmode` only as a policy name; podman-py's `host`/`none` strings alone are ignored.
const NETWORK_POLICIES = new Set(["NetworkDefault", "NetworkDisabled", "NetworkEnabled"]);

function networkParams(mode: string | undefined): Record<string, QueryValue> {
  if (mode === undefined) return {};
  if (NETWORK_POLICIES.has(mode) || /^\d+$/.test(mode)) return { networkmode: mode };
  switch (mode) {
    case "host":
      return {
        networkmode: "NetworkEnabled",
        nsoptions: json([{ Name: "network", Host: true }]),
      };
    case "none":
      return { networkmode: "NetworkDisabled", nsoptions: json([{ Name: "network" }]) };
    case "":
    case "bridge":
    case "private":
    case "container":
    case "default":
      return { networkmode: "NetworkEnabled", nsoptions: json([{ Name: "network" }]) };
    default:
      // A network name or a namespace path.
      return {
        networkmode: "NetworkEnabled",
        nsoptions: json([{ Name: "network", Path: mode.replace(/^ns:/, "") }]),
      };
  }
}

// buildah's names for the pull policies (`PolicyMap`).
const PULL_POLICIES = { always: "always", missing: "missing", newer: "ifnewer", never: "never" };

function pullPolicyOf(options: BuildOptions): string | undefined {
  if (options.policy !== undefined) return PULL_POLICIES[options.policy];
  return options.pull ? "always" : undefined;
}

/** Podman before 4.4 takes `cachefrom` as one image name; later ones a JSON array. */
function cacheFromParam(
  cacheFrom: readonly string[] | undefined,
  apiVersion: string,
  action: string,
): string | undefined {
  if (cacheFrom === undefined || cacheFrom.length === 0) return undefined;
  if (apiAtLeast(apiVersion, 4, 4)) return json(cacheFrom);
  if (cacheFrom.length > 1) {
    throw new PodmanError(
      `${action}: Podman ${apiVersion} takes a single cacheFrom image, got ${cacheFrom.length}`,
    );
  }
  return cacheFrom[0];
}

/**
 * The query of `POST /libpod/build`, named as Podman's handler reads it
 * (pkg/api/handlers/compat/images_build.go).
 */
export function buildQuery(
  options: BuildOptions,
  context: ContextParams,
  apiVersion: string,
  action: string,
): Query {
  const limits = options.containerLimits ?? {};
  const tags = tagsOf(options);
  const platforms = buildPlatforms(options.platform);
  // One `platform` parameter per platform: Podman 4.3 does not split a comma-separated one.
  const intoList = options.manifest !== undefined && platforms.length > 0;
  return {
    t: tags.length > 0 ? tags : undefined,
    dockerfile: context.dockerfile,
    excludes: context.excludes && context.excludes.length > 0 ? json(context.excludes) : undefined,
    q: options.quiet,
    // The layer cache would let one platform's step stand in for another's.
    nocache: options.nocache ?? (intoList ? true : undefined),
    rm: options.rm,
    forcerm: options.forcerm,
    // libpod ignores `pull` and reads `pullpolicy`; both are sent for other servers.
    pull: options.pull,
    pullpolicy: pullPolicyOf(options),
    buildargs: json(options.buildargs),
    cpuperiod: limits.cpuperiod,
    cpuquota: limits.cpuquota,
    cpusetcpus: limits.cpusetcpus,
    cpushares: limits.cpushares,
    memory: limits.memory,
    memswap: limits.memswap,
    shmsize: options.shmsize,
    labels: json(options.labels),
    cachefrom: cacheFromParam(options.cacheFrom, apiVersion, action),
    target: options.target,
    ...networkParams(options.networkMode),
    squash: options.squash,
    extrahosts: json(extraHostsOf(options.extraHosts)),
    platform: platforms.length > 1 ? platforms : platforms[0],
    ...(options.manifest === undefined ? {} : { manifest: options.manifest }),
    isolation: options.isolation,
    httpproxy: options.httpProxy,
    layers: options.layers ?? true,
    output: options.output,
    outputformat: options.outputformat ?? DEFAULT_OUTPUT_FORMAT,
    secrets: json(options.secrets),
    // A JSON list of `name=value`, as Podman's handler reads `annotations`.
    annotations: json(
      options.annotations &&
        Object.entries(options.annotations).map(([name, value]) => `${name}=${value}`),
    ),
    timestamp: options.timestamp,
    sourcedateepoch: options.sourceDateEpoch,
    rewritetimestamp: options.rewriteTimestamp,
    inheritlabels: options.inheritLabels,
    inheritannotations: options.inheritAnnotations,
    createdannotation: options.createdAnnotation,
    setenv: options.env && Object.entries(options.env).map(([name, value]) => `${name}=${value}`),
    unsetenv: options.unsetEnv,
    from: options.from,
    omithistory: options.omitHistory,
    unsetlabel: options.unsetLabels,
    unsetannotation: options.unsetAnnotations,
    retry: options.retry,
    // The build handler's spelling (pull's is `retrydelay`, push's `retryDelay`).
    "retry-delay": retryDelayParam(options.retryDelay),
    additionalbuildcontexts: buildContextsParam(context.namedContexts ?? [], apiVersion),
  };
}
