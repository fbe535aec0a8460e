import type { OperationOptions } from "../../client/operation.ts";
import type { AuthConfig } from "../../vocabulary/registry_auth.ts";

/** Options for {@linkcode ImagesManager.push}. */
export interface PushOptions extends OperationOptions {
  /** Tag to push; the repository may carry it instead. */
  tag?: string;
  /**
   * Push every local tag of the repository, one after another, each to its own name (as
   * `docker push --all-tags`; the counterpart of `pull()`'s `allTags`). Name the repository
   * without tag or digest, as `list()` shows it (`localhost:5000/team/app`), and give no
   * `tag` or `destination`. Each event then carries its `tag`.
   * @default {false}
   */
  allTags?: boolean;
  /** Where to push, when not to the image's own name, e.g. `127.0.0.1:5000/team/app:1`. */
  destination?: string;
  /** Manifest type: `oci`, `v2s1` or `v2s2`. */
  format?: "oci" | "v2s1" | "v2s2";
  /**
   * Require HTTPS and verify certificates.
   * @default {true}
   */
  tlsVerify?: boolean;
  /** Credentials for the registry. */
  authConfig?: AuthConfig;
  /**
   * Layer compression: `gzip`, `zstd` or `zstd:chunked` (Podman 4.3 and later). From Podman
   * 4.7 on, layers the registry already holds in another compression are compressed anew
   * unless `forceCompressionFormat` is `false`.
   */
  compressionFormat?: string;
  /** Compression level, e.g. 1 to 9 for `gzip`, 1 to 20 for `zstd` (Podman 4.6 and later). */
  compressionLevel?: number;
  /**
   * Whether blobs the registry already has in another compression are pushed again in
   * `compressionFormat` (Podman 4.7 and later; it defaults to `true` when `compressionFormat` is
   * given).
   * @default {true with compressionFormat}
   */
  forceCompressionFormat?: boolean;
  /**
   * Podman's `all`: when the name is a manifest list, push every image it lists too, as
   * `manifest.push`'s `all` does. It does not push every tag of a repository (Podman 4.3 and
   * 5.4 answer a bare repository with "image not known"): that is `allTags`.
   * @default {false}
   */
  all?: boolean;
  /**
   * Drop signatures when pushing (Podman 4.2 and later).
   * @default {false}
   */
  removeSignatures?: boolean;
  /**
   * How many times the server retries a failing push (Podman 5.0 and later); Podman's default
   * (`containers.conf` `retry`, 3) when left out.
   */
  retry?: number;
  /** Milliseconds between those retries (Podman 5.0 and later); Podman's default when left out. */
  retryDelay?: number;
}
