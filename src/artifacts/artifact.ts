/** One file of an artifact: a layer of its OCI manifest. */
export interface ArtifactFile {
  /** The file's name (its `org.opencontainers.image.title` annotation); `""` when it has none. */
  readonly title: string;
  /** Digest of the file's bytes, e.g. `sha256:...`. */
  readonly digest: string;
  /** Size in bytes. */
  readonly size: number;
  /** The file's media type, e.g. `application/octet-stream`. */
  readonly mediaType: string;
  /** The layer's annotations, the title among them. */
  readonly annotations: Readonly<Record<string, string>>;
}

/** The OCI image manifest of an artifact, as the server reports it. */
export interface ArtifactManifest {
  /** Always 2. */
  readonly schemaVersion: number;
  /** `application/vnd.oci.image.manifest.v1+json`. */
  readonly mediaType?: string;
  /** The artifact's type (`add()`'s `type`), when it has one. */
  readonly artifactType?: string;
  /** The config descriptor: for artifacts, usually the empty config. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** One descriptor per file. */
  readonly layers: readonly Readonly<Record<string, unknown>>[];
  /** The artifact's own annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What `GET /libpod/artifacts/{name}/json` (and each entry of the list) answers. */
export interface ArtifactAttrs {
  /** The artifact's name, e.g. `quay.io/team/model:1`. */
  readonly Name: string;
  /** Its digest (the digest of its manifest); the list leaves it out on some servers. */
  readonly Digest?: string;
  /** Its OCI manifest. */
  readonly Manifest: ArtifactManifest;
}

const TITLE = "org.opencontainers.image.title";

/**
 * An OCI artifact in the service's artifact store: a name, a digest, and files, each a layer
 * of an OCI image manifest (`podman artifact inspect` shows the same). Made by
 * `podman.artifacts` from what the server reports; it holds data only, so it can be kept,
 * compared and logged freely.
 *
 * @example Reading an artifact's files
 * ```ts
 * import { Artifact } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * const artifact = new Artifact({
 *   Name: "localhost/ai/model:1",
 *   Digest: "sha256:" + "a".repeat(64),
 *   Manifest: {
 *     schemaVersion: 2,
 *     artifactType: "application/vnd.example.model",
 *     layers: [{
 *       mediaType: "application/octet-stream",
 *       digest: "sha256:" + "b".repeat(64),
 *       size: 3000,
 *       annotations: { "org.opencontainers.image.title": "weights.bin" },
 *     }],
 *   },
 * });
 * assert.deepEqual(artifact.files.map((file) => [file.title, file.size]), [["weights.bin", 3000]]);
 * assert.equal(artifact.size, 3000);
 * ```
 */
export class Artifact {
  /** The artifact's name, e.g. `quay.io/team/model:1`. */
  readonly name: string;
  /** Its digest, exactly as the server reports it; `undefined` where the server gave none. */
  readonly digest: string | undefined;
  /** Its type (`artifactType` of the manifest), when it has one. */
  readonly type: string | undefined;
  /** The artifact's own annotations (the manifest's). */
  readonly annotations: Readonly<Record<string, string>>;
  /** Its files, in the order they were added. */
  readonly files: readonly ArtifactFile[];
  /** The OCI manifest as the server reported it. */
  readonly manifest: ArtifactManifest;

  /** Makes the model from what the server reports about an artifact. */
  constructor(attrs: ArtifactAttrs) {
    this.name = attrs.Name;
    this.digest = attrs.Digest;
    this.manifest = attrs.Manifest;
    this.type = attrs.Manifest.artifactType;
    this.annotations = attrs.Manifest.annotations ?? {};
    this.files = (attrs.Manifest.layers ?? []).map(fileOf);
  }

  /** Bytes in all files. */
  get size(): number {
    return this.files.reduce((sum, file) => sum + file.size, 0);
  }
}

function fileOf(layer: Readonly<Record<string, unknown>>): ArtifactFile {
  const annotations = (layer.annotations ?? {}) as Record<string, string>;
  return {
    title: annotations[TITLE] ?? "",
    digest: String(layer.digest ?? ""),
    size: typeof layer.size === "number" ? layer.size : 0,
    mediaType: String(layer.mediaType ?? ""),
    annotations,
  };
}
