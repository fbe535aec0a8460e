/** The platform of one entry of a manifest list, as Podman's inspect names it. */
export interface ManifestEntryPlatform {
  /** CPU architecture, e.g. `arm64`. */
  architecture: string;
  /** Operating system, e.g. `linux`. */
  os: string;
  /** Architecture variant, e.g. `v8`. */
  variant?: string;
  /** OS version (Windows images). */
  "os.version"?: string;
  /** OS features. */
  "os.features"?: string[];
}

/** One image of a manifest list. */
export interface ManifestEntry {
  /** The image manifest's media type. */
  mediaType: string;
  /** The image manifest's size in bytes. */
  size: number;
  /** The image manifest's digest: what `Manifest.remove` takes. */
  digest: string;
  /** The platform the image is for. */
  platform?: ManifestEntryPlatform;
  /** Annotations of the entry. */
  annotations?: Record<string, string>;
}

/** A manifest list as `GET /libpod/manifests/{name}/json` answers it (an OCI index or Docker list). */
export interface ManifestAttrs {
  /** Always 2. */
  schemaVersion?: number;
  /** `application/vnd.oci.image.index.v1+json` or the Docker manifest-list type. */
  mediaType?: string;
  /** The images of the list; an empty list may answer `null`. */
  manifests?: ManifestEntry[] | null;
  /** Annotations of the list (OCI index). */
  annotations?: Record<string, string>;
  /** Further fields the server sends. */
  [key: string]: unknown;
}

/** A platform entry as `os/arch[/variant]`. */
export function platformText(platform: ManifestEntryPlatform | undefined): string {
  if (!platform) return "unknown";
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant ? `${base}/${platform.variant}` : base;
}
