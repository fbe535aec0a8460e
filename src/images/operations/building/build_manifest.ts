import { lastOf } from "../../../async/settle.ts";
import { pathSegment, requestJson } from "../../../client/request_json.ts";
import { BuildError } from "../../../errors.ts";
import type { ManifestAttrs, ManifestEntry } from "../../../vocabulary/manifest_attrs.ts";
import { platformText } from "../../../vocabulary/manifest_attrs.ts";
import { distinctImageIds, isImageIdText } from "../../../vocabulary/image_id.ts";
import type { Platform } from "../../../vocabulary/platform.ts";
import { getImage } from "../get.ts";
import type { ImagesContext } from "../images_context.ts";
import type { ImageAttrs } from "../../../vocabulary/reports.ts";

/** One platform of a multi-platform build: its image, and its entry in the manifest list. */
export interface PlatformImageOf<M> {
  /** The platform, `os/arch[/variant]`, as the list records it. */
  platform: string;
  /** The digest of the image's entry in the list (what `Manifest.remove` takes). */
  digest: string;
  /** The image built for that platform. */
  image: M;
}

/**
 * The last event of a build into a manifest list (`manifest` given): the list's name and,
 * for each platform built, its image and list entry.
 */
export interface BuiltManifestEventOf<M> {
  /** Discriminant. */
  type: "builtManifest";
  /** The manifest list's name; `podman.manifests.get(name)` gives its model. */
  manifest: string;
  /** Each platform built, in the order asked for (else the list's order). */
  images: PlatformImageOf<M>[];
}

/**
 * The build's image ids, as written: every line that is an id alone (each platform ends with
 * one), each once.
 */
function builtIds(log: readonly string[]): string[] {
  return distinctImageIds(log.map((line) => line.trim()).filter(isImageIdText));
}

function matches(wanted: Platform, os: unknown, architecture: unknown, variant: unknown): boolean {
  return wanted.os === os && wanted.architecture === architecture &&
    (wanted.variant === undefined || wanted.variant === variant);
}

/**
 * Finishes a build into a manifest list: reads the list and every image the log named, and
 * checks that each platform asked for has both an entry in the list and an image built for
 * it. Podman's layer cache ignores the platform (4.3 and 5.4 alike): a cached step of one
 * platform can stand in for another's, leaving a list that silently lacks a platform. That
 * build fails here, naming what is missing, instead of reporting success.
 */
export async function finishManifestBuild<M>(
  context: ImagesContext<M>,
  manifest: string,
  platforms: readonly Platform[],
  log: readonly string[],
  action: string,
  signal: AbortSignal,
): Promise<BuiltManifestEventOf<M>> {
  const attrsOnly: ImagesContext<ImageAttrs> = {
    requester: context.requester,
    toImage: (attrs) => attrs,
  };
  const images = await Promise.all(
    builtIds(log).map((id) => lastOf(getImage(attrsOnly, id), signal)),
  );
  const list = await lastOf(
    requestJson(
      context.requester,
      { path: `/manifests/${pathSegment(manifest)}/json`, action },
      undefined,
      (body) => ((body ?? {}) as ManifestAttrs).manifests ?? [],
    ),
    signal,
  );
  const wanted: Platform[] = platforms.length > 0
    ? [...platforms]
    : list.flatMap((entry) => entry.platform ? [entry.platform] : []);
  const found: PlatformImageOf<M>[] = [];
  const missing: string[] = [];
  for (const platform of wanted) {
    const entry: ManifestEntry | undefined = list.find((candidate) =>
      candidate.platform &&
      matches(
        platform,
        candidate.platform.os,
        candidate.platform.architecture,
        candidate.platform.variant,
      )
    );
    const image = images.find((attrs) =>
      matches(platform, attrs.Os, attrs.Architecture, attrs.Variant)
    );
    if (!entry || !image) {
      missing.push(platformText(platform));
      continue;
    }
    found.push({
      platform: platformText(entry.platform),
      digest: entry.digest,
      image: context.toImage(image),
    });
  }
  if (missing.length > 0) {
    const has = list.map((entry) => platformText(entry.platform)).join(", ") || "nothing";
    throw new BuildError(
      `${action}: the manifest list "${manifest}" lacks ${missing.join(", ")} (it has ${has}); ` +
        "Podman's layer cache can reuse one platform's step for another: build with " +
        "nocache, and remove the list first",
      [...log],
    );
  }
  return { type: "builtManifest", manifest, images: found };
}
