/**
 * What credentials are looked up by: a registry and a repository key, and the forms a key
 * takes in auth files (containers/image's `pkg/docker/config` and Docker's config).
 *
 * @module
 */

import { isRegistryHost, parseReference } from "../vocabulary/reference.ts";

/** Docker Hub's canonical name; the other names it goes by in auth files. */
export const DOCKER_HUB = "docker.io";
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  "docker.io",
  "index.docker.io",
  "registry-1.docker.io",
]);
/** The key `docker login` writes for Docker Hub, and the server URL its helpers know it by. */
export const DOCKER_HUB_URL = "https://index.docker.io/v1/";

/** The registry a lookup is for, and the repository key its namespaces are tried from. */
export interface CredentialKey {
  /** `host[:port]`; Docker Hub as `docker.io`. */
  registry: string;
  /** `registry/namespace/repository`, or the registry alone. */
  key: string;
}

/**
 * The key of an image reference (its registry and repository, without tag or digest; Docker
 * Hub's one-component names under `library/`, as Podman normalizes them), or of a registry
 * named alone; `undefined` for a reference without a registry, whose registry only the
 * server's search list decides.
 *
 * @throws {TypeError} When the reference is not a string, or is empty.
 * @throws {RangeError} When it is malformed.
 */
export function credentialKey(target: string): CredentialKey | undefined {
  if (typeof target === "string" && isRegistryHost(target)) {
    const registry = canonicalRegistry(target);
    return { registry, key: registry };
  }
  const parsed = parseReference(target);
  if (parsed.registry === undefined) return undefined;
  const registry = canonicalRegistry(parsed.registry);
  const path = registry === DOCKER_HUB && !parsed.path.includes("/")
    ? `library/${parsed.path}`
    : parsed.path;
  return { registry, key: `${registry}/${path}` };
}

/** A registry host with Docker Hub's names folded into `docker.io`. */
export function canonicalRegistry(host: string): string {
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

/**
 * The keys to try in an auth file's `auths`, most specific first: `reg/ns/repo`, `reg/ns`,
 * `reg`; in the legacy format only the registry, which has no namespaced keys.
 */
export function lookupOrder(key: CredentialKey, legacy: boolean): string[] {
  if (legacy) return [key.registry];
  const keys = [key.key];
  for (let cut = key.key.lastIndexOf("/"); cut > 0; cut = key.key.lastIndexOf("/", cut - 1)) {
    keys.push(key.key.slice(0, cut));
  }
  return keys;
}

/**
 * The registry, or namespace, an auth file key stands for: a URL (`https://host/v1/`, which
 * `docker login` once wrote and still writes for Docker Hub) means its host, as does every key
 * of the legacy format; a bare key is taken as written, but Docker Hub's hosts fold into
 * `docker.io`. Podman's service reads the keys of `X-Registry-Config` the same way.
 */
export function normalizeAuthKey(key: string, legacy: boolean): string {
  const stripped = key.replace(/^https?:\/\//, "");
  const host = legacy || stripped !== key ? stripped.split("/")[0]! : stripped;
  return canonicalRegistry(host);
}
