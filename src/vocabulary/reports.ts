import { APIError } from "../errors.ts";

/**
 * An image's attributes as the server reports them: the inspect document (`get`) or a list
 * entry (`list`). Only the common fields are typed; everything else is kept as sent.
 */
export interface ImageAttrs {
  /**
   * Full image id, as the server wrote it: 64 hex digits from Podman today, `sha256:<hex>`
   * from some servers; Podman 6 warns that its form will change.
   */
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

/**
 * One layer of an image's history (`Image.history()`): the server's fields (podman-py's
 * names) in camelCase, and the entry as sent on `attrs`.
 */
export interface HistoryEntry {
  /** Id of the layer's image, as the server wrote it (with or without `sha256:`), or `<missing>`. */
  id: string;
  /** Creation time, Unix seconds. */
  created: number;
  /** The instruction that made the layer. */
  createdBy: string;
  /** Tags of that image; `[]` when it has none (the server sends `null`). */
  tags: string[];
  /** Size of the layer in bytes. */
  size: number;
  /** Comment of the layer. */
  comment: string;
  /** The entry as the server sent it (`Id`, `Created`, `CreatedBy`, `Tags`, `Size`, `Comment`). */
  attrs: Record<string, unknown>;
}

/** Reads libpod's history answer (PascalCase entries) into {@linkcode HistoryEntry}s. */
export function readHistory(body: unknown): HistoryEntry[] {
  return entriesOf(body).map((attrs) => ({
    id: textOf(attrs.Id),
    created: numberOf(attrs.Created),
    createdBy: textOf(attrs.CreatedBy),
    tags: Array.isArray(attrs.Tags) ? attrs.Tags.filter((tag) => typeof tag === "string") : [],
    size: numberOf(attrs.Size),
    comment: textOf(attrs.Comment),
    attrs,
  }));
}

/** What `remove()` did. */
export interface RemoveReport {
  /** Ids of the images deleted, as the server wrote them. */
  deleted: string[];
  /** Names untagged. */
  untagged: string[];
  /** The exit code `podman rmi` would have returned. */
  exitCode: number;
}

/** What `prune()` removed. */
export interface PruneReport {
  /** Ids of the images removed, as the server wrote them. */
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

/**
 * One search hit (`search()`): the libpod search endpoint's fields (podman-py's names) in
 * camelCase, and the hit as sent on `attrs`.
 */
export interface SearchResult {
  /** Registry that answered. */
  index: string;
  /** Full name, `registry/name`. */
  name: string;
  /** Description. */
  description: string;
  /** Stars, where the registry counts them (0 otherwise). */
  stars: number;
  /** Official image: `[OK]` where the registry says so, else empty. */
  official: string;
  /** Automated build: `[OK]` where the registry says so, else empty. */
  automated: string;
  /** The tag, with `listTags` (empty otherwise). */
  tag: string;
  /** The hit as the server sent it (`Index`, `Name`, `Description`, `Stars`, ...). */
  attrs: Record<string, unknown>;
}

/** Reads libpod's search answer (PascalCase hits) into {@linkcode SearchResult}s. */
export function readSearchResults(body: unknown): SearchResult[] {
  return entriesOf(body).map((attrs) => ({
    index: textOf(attrs.Index),
    name: textOf(attrs.Name),
    description: textOf(attrs.Description),
    stars: numberOf(attrs.Stars),
    official: textOf(attrs.Official),
    automated: textOf(attrs.Automated),
    tag: textOf(attrs.Tag),
    attrs,
  }));
}

// A field the server left out (or sent as another type) reads as empty, never as "undefined".
function entriesOf(body: unknown): Record<string, unknown>[] {
  if (!Array.isArray(body)) return [];
  return body.filter((entry): entry is Record<string, unknown> =>
    typeof entry === "object" && entry !== null
  );
}

function textOf(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function numberOf(value: unknown): number {
  return typeof value === "number" ? value : 0;
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
    deleted: report.Deleted ?? [],
    untagged: report.Untagged ?? [],
    exitCode: report.ExitCode ?? 0,
  };
}
