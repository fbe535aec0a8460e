import type { OperationOptions } from "../../../client/operation.ts";

/** Limits for the containers a build runs (`RUN` steps). */
export interface ContainerLimits {
  /** Memory limit in bytes. */
  memory?: number;
  /** Memory plus swap in bytes; -1 for unlimited swap. */
  memswap?: number;
  /** CPU shares (relative weight). */
  cpushares?: number;
  /** CPUs to run on, e.g. `0-3` or `0,1`. */
  cpusetcpus?: string;
  /** CFS period in microseconds. */
  cpuperiod?: number;
  /** CFS quota in microseconds. */
  cpuquota?: number;
}

/** Options for {@linkcode ImagesManager.build}. Give `path`, `fileobj` or `customContext`. */
export interface BuildOptions extends OperationOptions {
  /**
   * Directory of the build context; packed as a tar and streamed from disk as it uploads.
   * `.containerignore` (else `.dockerignore`) applies with Docker's semantics; the Dockerfile
   * and the ignore file are always sent. Symlinks are sent as links; sockets, FIFOs and
   * devices are left out.
   */
  path?: string;
  /**
   * The Dockerfile itself (text, bytes or stream), when there is no context directory: the
   * context is a tar holding just this file. A stream is read whole first (the tar header
   * needs its size); a stream can be used by one subscription only.
   */
  fileobj?: string | Uint8Array | ReadableStream<Uint8Array>;
  /**
   * A ready tar (optionally gzip) context, sent as it is; `dockerfile` must name the file
   * inside it. A stream can be used by one subscription only.
   */
  customContext?: ReadableStream<Uint8Array> | Uint8Array;
  /**
   * Dockerfile path. With `path`: relative to the context, or absolute, even outside it (then
   * it is sent under a private name, and kept out of `COPY`). Left out, `Containerfile` or else
   * `Dockerfile` in the context is used. With `fileobj`: the file's name in the context.
   * @default {"Containerfile" or "Dockerfile"}
   */
  dockerfile?: string;
  /** Name(s) for the built image. */
  tag?: string | string[];
  /** Only the image id in the log. */
  quiet?: boolean;
  /**
   * Do not use the layer cache. Podman's cache ignores the platform, so a build with
   * `platform` into a `manifest` list leaves the cache out unless this is `false`.
   * @default {false; true with platform and manifest}
   */
  nocache?: boolean;
  /**
   * Remove intermediate containers after a successful build.
   * @default {true}
   */
  rm?: boolean;
  /** Always remove intermediate containers. */
  forcerm?: boolean;
  /** Pull the base image even when present (sent as `pullpolicy=always`, which libpod reads). */
  pull?: boolean;
  /**
   * When to pull base images: `always`, `missing`, `newer` or `never`, as `pull()`'s
   * `policy`; overrides `pull`.
   * @default {"missing"}
   */
  policy?: "always" | "missing" | "newer" | "never";
  /** Build arguments. */
  buildargs?: Record<string, string>;
  /** Limits for the build's containers. */
  containerLimits?: ContainerLimits;
  /** Size of /dev/shm in bytes. */
  shmsize?: number;
  /** Labels to set on the image. */
  labels?: Record<string, string>;
  /** Images to use as cache sources (Podman before 4.4 takes only one). */
  cacheFrom?: string[];
  /** Target stage of a multi-stage build. */
  target?: string;
  /**
   * Network of `RUN` steps: `host`, `none`, `bridge`/`private`, a network name, or a libpod
   * policy name (`NetworkDefault`, `NetworkDisabled`, `NetworkEnabled`).
   */
  networkMode?: string;
  /** Squash the new layers into one. */
  squash?: boolean;
  /** Extra `/etc/hosts` entries: host name to IP address, or `host:ip` strings. */
  extraHosts?: Record<string, string> | string[];
  /**
   * Platform `os/arch[/variant]`, or several: then every platform is built and added to the
   * `manifest` list (which several platforms need). Each must be an OS and architecture Go
   * knows; Podman would build for any text.
   */
  platform?: string | string[];
  /**
   * A manifest list to add the built image(s) to, created when missing; the build then ends
   * with a `builtManifest` event (each platform's image and list entry) instead of `built`,
   * and fails when the list lacks a platform asked for.
   */
  manifest?: string;
  /** Isolation: `chroot`, `oci` or `rootless`. */
  isolation?: string;
  /** Pass the proxy environment variables to `RUN` steps. */
  httpProxy?: boolean;
  /**
   * Cache intermediate layers.
   * @default {true}
   */
  layers?: boolean;
  /** Output destination (`type=local,dest=...`). */
  output?: string;
  /**
   * Image format: the OCI or Docker manifest media type.
   * @default {"application/vnd.oci.image.manifest.v1+json"}
   */
  outputformat?: string;
  /** Build secrets, `id=name,src=path` (paths relative to the context). */
  secrets?: string[];
  /** `gzip` compresses the context (or `customContext`) on the fly; the server detects it. */
  encoding?: "gzip";
  /**
   * Annotations to set on the image (its manifest's), name to value, as `podman build
   * --annotation`.
   */
  annotations?: Record<string, string>;
  /**
   * Seconds since 1970: the image's created time, its history's times and the times of the
   * files in its new layers are all set to this (`podman build --timestamp`), for a
   * reproducible image.
   */
  timestamp?: number;
  /**
   * Seconds since 1970, as `SOURCE_DATE_EPOCH` (`podman build --source-date-epoch`): the
   * image's created time and its history's times, and the `SOURCE_DATE_EPOCH` build argument
   * of the steps; file times stay unless `rewriteTimestamp` (Podman 5.6 and later).
   */
  sourceDateEpoch?: number;
  /**
   * With `sourceDateEpoch`: files in the new layers newer than it get its time
   * (`--rewrite-timestamp`; Podman 5.6 and later).
   * @default {false}
   */
  rewriteTimestamp?: boolean;
  /**
   * Whether the image keeps the labels of its base image (`--inherit-labels`; Podman 5.5 and
   * later).
   * @default {true}
   */
  inheritLabels?: boolean;
  /**
   * Whether the image keeps the annotations of its base image (`--inherit-annotations`;
   * Podman 5.6 and later).
   * @default {true}
   */
  inheritAnnotations?: boolean;
  /**
   * Whether the image gets the `org.opencontainers.image.created` annotation
   * (`--created-annotation`; Podman 5.6 and later).
   * @default {true}
   */
  createdAnnotation?: boolean;
  /**
   * Environment variables to set in the image, name to value, as an `ENV` would (`podman build
   * --env`; Podman 4.1 and later).
   */
  env?: Record<string, string>;
  /** Environment variables of the base image to leave out of the image (`--unsetenv`). */
  unsetEnv?: string[];
  /** The image to build `FROM` instead of the Dockerfile's first one (`podman build --from`). */
  from?: string;
  /**
   * Leave the image's history empty (`--omit-history`; Podman 4.2 and later).
   * @default {false}
   */
  omitHistory?: boolean;
  /** Labels of the base image to leave out of the image (`--unsetlabel`; Podman 4.8 and later). */
  unsetLabels?: string[];
  /**
   * Annotations of the base image to leave out of the image (`--unsetannotation`; Podman 5.6
   * and later).
   */
  unsetAnnotations?: string[];
  /**
   * How many times the server retries a failing pull of a base image (Podman 5.3 and later);
   * Podman's default (`containers.conf` `retry`, 3) when left out.
   */
  retry?: number;
  /**
   * Milliseconds between those retries (Podman 5.3 and later); Podman's default (2 s) when
   * left out.
   */
  retryDelay?: number;
  /**
   * Named contexts for `FROM`, `COPY --from` and `RUN --mount=from=` (`podman build
   * --build-context name=value`), by name; the value in Podman's forms:
   * - `docker-image://name` (also `container-image://`, `docker://`): an image
   *   (Podman 4.2 and later);
   * - `http://...` or `https://...`: a tar (or a Dockerfile) the server downloads (Podman 4.2
   *   and later);
   * - anything else: a local directory, packed and uploaded beside the context as it is, with
   *   no ignore file applied (Podman 5.6 and later; an older server would look for the path on
   *   its own machine).
   */
  additionalBuildContexts?: Record<string, string>;
  /**
   * How a `path` context reaches the service. `"auto"`: Podman 5.7 and later read the
   * directory in place (`POST /libpod/local/build`) when the client reaches the service over
   * a Unix socket and the service is proven to see the directory (and an outside Dockerfile's)
   * as this process does (podrx writes a small probe file there, has the service read it, and
   * removes it; once per client and directory); otherwise the context is uploaded, and so it
   * is with `secrets` (which Podman would move out of the directory), with a local directory
   * in `additionalBuildContexts` (uploaded beside it) and with hard links,
   * FIFOs, sockets or devices in it (Podman would keep them; the upload sends a hard link as
   * a file of its own and leaves the others out). `"upload"`: always uploaded. `"local"`: read
   * in place, by Podman's own rules for such entries, or an error before the build is sent
   * when the service cannot. Read in place, files keep their `user.*` and
   * `security.capability` extended attributes, which the upload does not carry.
   * @default {"auto"}
   */
  via?: "auto" | "upload" | "local";
}
