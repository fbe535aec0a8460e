import { catchError, map, type Observable, of, switchMap } from "rxjs";
import { requestJson, segment } from "../client/request_json.ts";
import { APIError } from "../errors.ts";
import type { Image } from "./image.ts";
import type { ImagesManager, RegistryDataOptions } from "./images_manager.ts";
import type { PullEvent, PullOptions } from "./pull.ts";
import { encodeRegistryAuth } from "./registry_auth.ts";
import type { ImageAttrs } from "./types.ts";

/** A platform: `os`, `architecture` and optionally `variant`. */
export interface Platform {
  /** Operating system, e.g. `linux`. */
  os: string;
  /** CPU architecture, e.g. `amd64`. */
  architecture: string;
  /** Architecture variant, e.g. `v8`. */
  variant?: string;
}

/** Where {@linkcode RegistryData} came from. */
export type RegistryDataSource = "registry" | "local";

interface ManifestEntry {
  digest?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/**
 * What a registry knows of an image: its manifest list when the registry was asked and named
 * the platforms (`source: "registry"`), or the local image's attributes otherwise
 * (`source: "local"`, as podman-py always does). Podman describes only manifest lists this
 * way; for a single image it fails (OCI manifests) or answers without platforms (Docker v2
 * manifests), so single images come from the local store.
 *
 * @example Checking a platform before pulling
 * ```ts ignore
 * const data = await lastValueFrom(podman.images.getRegistryData("127.0.0.1:5000/app:1"));
 * if (data.hasPlatform("linux/arm64")) await lastValueFrom(data.pull({ platform: "linux/arm64" }));
 * ```
 */
export class RegistryData {
  /** The image name it describes. */
  readonly imageName: string;
  /** Whether the registry answered or the local image stood in. */
  readonly source: RegistryDataSource;
  /** The manifest (registry) or inspect document (local). */
  readonly attrs: Record<string, unknown>;
  /** The manager it belongs to. */
  readonly manager: ImagesManager;

  /** Wraps what the server returned; made by `ImagesManager.getRegistryData`. */
  constructor(
    imageName: string,
    source: RegistryDataSource,
    attrs: Record<string, unknown>,
    manager: ImagesManager,
  ) {
    this.imageName = imageName;
    this.source = source;
    this.attrs = attrs;
    this.manager = manager;
  }

  /**
   * The local image's id (`source: "local"`). A registry answer has none: Podman re-encodes
   * the list it read and does not report the registry's digest of it, so `undefined`.
   */
  get id(): string | undefined {
    const id = this.source === "local" ? this.attrs.Id : this.attrs.digest;
    return typeof id === "string" ? id : undefined;
  }

  /** The platforms the image is published for. */
  get platforms(): Platform[] {
    const manifests = this.attrs.manifests;
    if (Array.isArray(manifests)) {
      return (manifests as ManifestEntry[]).flatMap((entry) => {
        const { os, architecture, variant } = entry.platform ?? {};
        if (!os || !architecture) return [];
        return [variant ? { os, architecture, variant } : { os, architecture }];
      });
    }
    const os = this.attrs.Os ?? this.attrs.os;
    const architecture = this.attrs.Architecture ?? this.attrs.architecture;
    if (typeof os === "string" && typeof architecture === "string") {
      const variant = this.attrs.Variant ?? this.attrs.variant;
      return [
        typeof variant === "string" && variant
          ? { os, architecture, variant }
          : { os, architecture },
      ];
    }
    return [];
  }

  /**
   * Tells whether the image is published for a platform.
   *
   * @param platform `os/arch[/variant]` or an object; a variant is only compared when given.
   * @throws {TypeError} When the platform is malformed.
   *
   * @example
   * ```ts ignore
   * data.hasPlatform("linux/amd64"); // true or false
   * data.hasPlatform({ os: "linux", architecture: "arm", variant: "v7" });
   * ```
   */
  hasPlatform(platform: string | Platform): boolean {
    const wanted = parsePlatform(platform);
    return this.platforms.some((candidate) =>
      candidate.os === wanted.os && candidate.architecture === wanted.architecture &&
      (wanted.variant === undefined || candidate.variant === wanted.variant)
    );
  }

  /**
   * Pulls the image this data describes, by its name (with its tag or digest).
   *
   * @returns The same cold Observable as `manager.pull(imageName, options)`.
   * @throws {TypeError} When `options.tag` is given and the name already carries a tag.
   *
   * @example
   * ```ts ignore
   * const data = await lastValueFrom(podman.images.getRegistryData("127.0.0.1:5000/app:1"));
   * await lastValueFrom(data.pull({ tlsVerify: false }));
   * ```
   */
  pull(options?: PullOptions): Observable<PullEvent> {
    return this.manager.pull(this.imageName, options);
  }
}

/**
 * Parses `os/arch[/variant]` or checks a platform object.
 *
 * @throws {TypeError} When the platform is malformed.
 */
export function parsePlatform(platform: string | Platform): Platform {
  if (typeof platform === "string") {
    const parts = platform.split("/");
    if (parts.length < 2 || parts.length > 3 || parts.some((part) => part === "")) {
      throw new TypeError(`Cannot read platform "${platform}": expected os/arch[/variant]`);
    }
    const [os, architecture, variant] = parts as [string, string, string?];
    return variant ? { os, architecture, variant } : { os, architecture };
  }
  if (
    typeof platform !== "object" || platform === null || typeof platform.os !== "string" ||
    typeof platform.architecture !== "string"
  ) {
    throw new TypeError("Cannot read platform: expected { os, architecture, variant? }");
  }
  return platform;
}

function isManifestList(body: unknown): body is Record<string, unknown> {
  if (typeof body !== "object" || body === null) return false;
  const manifests = (body as { manifests?: unknown }).manifests;
  return Array.isArray(manifests) && manifests.length > 0;
}

/**
 * `getRegistryData`: the registry first (`GET /libpod/manifests/{name}/json`), the local image
 * when the registry cannot answer or answers without platforms.
 */
export function getRegistryData(
  manager: ImagesManager,
  name: string,
  options: RegistryDataOptions,
): Observable<RegistryData> {
  const auth = encodeRegistryAuth(options.authConfig);
  const fromLocal = (): Observable<RegistryData> =>
    manager.get(name, options).pipe(
      map((image: Image) =>
        new RegistryData(
          name,
          "local",
          image.attrs as ImageAttrs as Record<string, unknown>,
          manager,
        )
      ),
    );
  const fromRegistry = requestJson(
    manager.client,
    {
      path: `/manifests/${segment(name)}/json`,
      query: { tlsVerify: options.tlsVerify },
      headers: auth.headers,
      secrets: auth.secrets,
      action: `Cannot read registry data of "${name}"`,
    },
    options,
    (body) => body,
  );
  return fromRegistry.pipe(
    // A single Docker v2 image comes back as `{"manifests": null}`: no platforms to tell.
    map((body) => (isManifestList(body) ? body : undefined)),
    catchError((error: unknown) => {
      if (!(error instanceof APIError)) throw error;
      return of(undefined);
    }),
    switchMap((list) => list ? of(new RegistryData(name, "registry", list, manager)) : fromLocal()),
  );
}
