import { withoutIdPrefix } from "../params/image_id.ts";
import { APIError } from "../../errors.ts";

/**
 * An image's attributes as the server reports them: the inspect document (`get`) or a list
 * entry (`list`). Only the common fields are typed; everything else is kept as sent.
 */
export interface ImageAttrs {
  /** Full image id: 64 hex digits, without `sha256:`. */
  Id: string;
  /** Tags, `registry/name:tag`. */
  RepoTags?: string[] | null;
  /** Digests, `registry/name@sha256:...`. */
  RepoDigests?: string[] | null;
  /** Labels of the image's config. */
  Labels?: Record<string, string> | null;
  /** Digest of the image's manifest. */
  Digest?: string;
  /** Creation time (inspect: RFC 3339 text; list: Unix seconds). */
  Created?: string | number;
  /** Size in bytes. */
  Size?: number;
  /** Operating system (inspect only). */
  Os?: string;
  /** CPU architecture (inspect only). */
  Architecture?: string;
  /** Further fields the server sends. */
  [field: string]: unknown;
}

/** One layer of an image's history (`Image.history()`). */
export interface HistoryEntry {
  /** Id of the layer's image, or `<missing>`. */
  Id: string;
  /** Creation time, Unix seconds. */
  Created: number;
  /** The instruction that made the layer. */
  CreatedBy: string;
  /** Tags of that image. */
  Tags: string[] | null;
  /** Size of the layer in bytes. */
  Size: number;
  /** Comment of the layer. */
  Comment: string;
}

/** What `remove()` did. */
export interface RemoveReport {
  /** Ids of the images deleted: 64 hex digits, without `sha256:`. */
  deleted: string[];
  /** Names untagged. */
  untagged: string[];
  /** The exit code `podman rmi` would have returned. */
  exitCode: number;
}

/** What `prune()` removed. */
export interface PruneReport {
  /** Ids of the images removed: 64 hex digits, without `sha256:`. */
  imagesDeleted: string[];
  /** Bytes freed. */
  spaceReclaimed: number;
}

/** What `pruneBuilds()` removed. */
export interface PruneBuildsReport {
  /** Build caches removed, as the server names them (Podman 5.4 names none). */
  cachesDeleted: string[];
  /**
   * Bytes freed, when the server says; `undefined` when it does not (Podman 5.4 reports no
   * size for the cache it prunes) or nothing was done.
   */
  spaceReclaimed: number | undefined;
  /** False when the server has no build-cache pruning (Podman before 5.3): nothing was done. */
  supported: boolean;
}

/** One search hit (`search()`), as the libpod search endpoint reports it. */
export interface SearchResult {
  /** Registry that answered. */
  Index: string;
  /** Full name, `registry/name`. */
  Name: string;
  /** Description. */
  Description: string;
  /** Stars, where the registry counts them. */
  Stars: number;
  /** Official image, where the registry says so. */
  Official: string;
  /** Automated build, where the registry says so. */
  Automated: string;
  /** The tag, with `listTags`. */
  Tag: string;
}

/**
 * Reads libpod's removal answer (`{ Deleted, Untagged, Errors, ExitCode }`, used by image and
 * manifest-list removal alike); errors the server listed raise an {@linkcode APIError}.
 */
export function readRemoveReport(
  body: unknown,
  error: { action: string; method: "DELETE"; path: string },
): RemoveReport {
  const report = (body ?? {}) as {
    Deleted?: string[] | null;
    Untagged?: string[] | null;
    Errors?: string[] | null;
    ExitCode?: number;
  };
  if (report.Errors?.length) {
    throw new APIError(error.action, {
      status: 200,
      method: error.method,
      path: error.path,
      explanation: report.Errors.join("; "),
    });
  }
  return {
    // Bare ids, whether or not the server wrote `sha256:`.
    deleted: (report.Deleted ?? []).map(withoutIdPrefix),
    untagged: report.Untagged ?? [],
    exitCode: report.ExitCode ?? 0,
  };
}
