import { PodmanError } from "../errors.ts";
import { readLimited } from "./_read_limited.ts";
import { type RegistryCredentials, RegistrySession } from "./_registry_session.ts";

export type { RegistryCredentials } from "./_registry_session.ts";

/** The manifest media types podrx asks a registry for, lists first. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

const LIST_MEDIA_TYPES = new Set(MANIFEST_MEDIA_TYPES.slice(0, 2));
// Manifests are small (distribution refuses more than 4 MiB); so are image configs.
const MANIFEST_LIMIT = 4 * 1024 * 1024;
const CONFIG_LIMIT = 8 * 1024 * 1024;

/** Which manifest to read: `registry/repository` at a tag or digest. */
export interface ManifestTarget {
  /** The registry as named in the image reference, e.g. `127.0.0.1:5000` or `docker.io`. */
  registry: string;
  /** The repository path, e.g. `team/app` (`library/` added for Docker Hub's one-part names). */
  repository: string;
  /** A tag, or a digest (`sha256:...`). */
  reference: string;
}

/** How to reach the registry. */
export interface ReadManifestOptions {
  /** HTTPS with verified certificates only; `false` also allows plain HTTP. */
  tlsVerify: boolean;
  /** Sent only when the registry asks for them, and only to its own origin. */
  credentials?: RegistryCredentials | undefined;
  /** Aborts the reads. */
  signal: AbortSignal;
  /** Starts every error message. */
  action: string;
}

/** A platform as a manifest list or an image config names it. */
export interface ManifestPlatform {
  /** Operating system. */
  os: string;
  /** CPU architecture. */
  architecture: string;
  /** Architecture variant. */
  variant?: string;
}

/** What the registry said of a manifest. */
export interface RegistryManifest {
  /** The URL the manifest was read from (no credentials in it). */
  url: string;
  /** The registry's digest of the manifest (`Docker-Content-Digest`, else its bytes' sha256). */
  digest: string;
  /** The manifest's media type: an OCI index, a Docker manifest list, or a single image's. */
  mediaType: string;
  /** The manifest's size in bytes. */
  size: number;
  /** The platforms: each entry's of a list, the image config's of a single image. */
  platforms: ManifestPlatform[];
  /** The manifest itself, parsed. */
  manifest: Record<string, unknown>;
}

/** The host that serves a registry's API: Docker Hub's names differ from its API host. */
export function registryApiHost(registry: string): string {
  return registry === "docker.io" || registry === "index.docker.io"
    ? "registry-1.docker.io"
    : registry;
}

function platformOf(value: unknown): ManifestPlatform[] {
  if (typeof value !== "object" || value === null) return [];
  const { os, architecture, variant } = value as Record<string, unknown>;
  if (typeof os !== "string" || typeof architecture !== "string" || !os || !architecture) {
    return [];
  }
  return [
    typeof variant === "string" && variant ? { os, architecture, variant } : {
      os,
      architecture,
    },
  ];
}

function isAttestation(entry: Record<string, unknown>): boolean {
  // BuildKit adds attestation manifests to an index with platform unknown/unknown.
  const annotations = entry.annotations as Record<string, unknown> | undefined;
  return annotations?.["vnd.docker.reference.type"] === "attestation-manifest";
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${Array.from(hash, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

async function readJson(
  response: Response,
  limit: number,
  what: string,
  action: string,
): Promise<{ json: Record<string, unknown>; bytes: Uint8Array<ArrayBuffer> }> {
  const { bytes, truncated } = await readLimited(response, limit);
  if (truncated) {
    throw new PodmanError(`${action}: the registry's ${what} is larger than ${limit} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new PodmanError(`${action}: the registry's ${what} is not JSON`, { cause: error });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new PodmanError(`${action}: the registry's ${what} is not a JSON object`);
  }
  return { json: json as Record<string, unknown>, bytes };
}

/**
 * Reads a manifest straight from the registry (Registry HTTP API v2), from this process:
 * `GET /v2/<repository>/manifests/<reference>` accepting OCI indexes and manifests and Docker
 * lists and v2 manifests, then, for a single image, its config blob for the platform.
 *
 * @returns The registry's digest, media type, size and platforms of the manifest.
 * @throws {APIError} When the registry answers with an error (`ImageNotFound` for a 404 of
 * the manifest).
 * @throws {PodmanError} When it cannot be reached or answers something unreadable.
 */
export async function readManifest(
  target: ManifestTarget,
  options: ReadManifestOptions,
): Promise<RegistryManifest> {
  const { action } = options;
  const session = new RegistrySession({
    host: registryApiHost(target.registry),
    repository: target.repository,
    tlsVerify: options.tlsVerify,
    credentials: options.credentials,
    signal: options.signal,
    action,
  });
  const path = `/v2/${target.repository}/manifests/${target.reference}`;
  const response = await session.get(
    path,
    { accept: MANIFEST_MEDIA_TYPES.join(", ") },
    "image",
  );
  const { json: manifest, bytes } = await readJson(response, MANIFEST_LIMIT, "manifest", action);
  const header = response.headers.get("docker-content-digest");
  const digest = header && /^[a-z0-9]+:[a-f0-9]{32,}$/.test(header) ? header : await sha256(bytes);
  const contentType = response.headers.get("content-type")?.split(";")[0]?.trim();
  const mediaType = typeof manifest.mediaType === "string" && manifest.mediaType
    ? manifest.mediaType
    : contentType ?? "";
  const url = `${session.origin}${path}`;
  const base = { url, digest, mediaType, size: bytes.byteLength, manifest };
  if (LIST_MEDIA_TYPES.has(mediaType) || Array.isArray(manifest.manifests)) {
    const entries = Array.isArray(manifest.manifests) ? manifest.manifests : [];
    const platforms = (entries as Record<string, unknown>[])
      .filter((entry) => typeof entry === "object" && entry !== null && !isAttestation(entry))
      .flatMap((entry) => platformOf(entry.platform));
    return { ...base, platforms };
  }
  const config = manifest.config as { digest?: unknown } | undefined;
  if (typeof config?.digest !== "string") return { ...base, platforms: [] };
  const blob = await session.get(`/v2/${target.repository}/blobs/${config.digest}`, {}, "resource");
  const { json: image } = await readJson(blob, CONFIG_LIMIT, "image config", action);
  return { ...base, platforms: platformOf(image) };
}
