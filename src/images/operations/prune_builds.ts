import type { Operation } from "../../async/operation.ts";
import { apiAtLeast } from "../../client/api_version.ts";
import { operation, type OperationOptions } from "../../client/operation.ts";
import { notJsonError } from "../../streams/_not_json.ts";
import type { Requester } from "../../client/requester.ts";
import { encodeFilters } from "../../vocabulary/filters.ts";
import type { PruneBuildsReport } from "../../vocabulary/reports.ts";

// Podman 5.3 added `buildcache` to image pruning; that flag also prunes dangling images, so a
// label filter that no image can carry keeps the images out and only the cache goes.
const NO_IMAGE_LABEL = "podrx.prune-builds-only=1b8e0c1f";

/**
 * Removes the build cache where the server can (Podman 5.3 and later prune the cache that
 * `RUN --mount=type=cache` builds leave); older servers have no such cache, so the report is
 * empty with `supported: false` and nothing is sent.
 *
 * The report is what the server says: the entries of its prune report (Podman 5.4 answers
 * `[]` after pruning the cache, naming nothing), and the bytes freed only when an entry states
 * its size; otherwise `spaceReclaimed` is `undefined`, not a zero podrx made up.
 *
 * @returns A cold Observable of what was removed.
 */
export function pruneBuildCache(
  requester: Requester,
  options?: OperationOptions,
): Operation<PruneBuildsReport> {
  const action = "Cannot prune the build cache";
  return operation<PruneBuildsReport>(action, options, async ({ emit, signal }) => {
    if (!apiAtLeast(await requester.apiVersion(signal), 5, 3)) {
      emit({ cachesDeleted: [], spaceReclaimed: undefined, supported: false });
      return;
    }
    const response = await requester.request({
      method: "POST",
      path: "/images/prune",
      query: { buildcache: true, filters: encodeFilters({ label: NO_IMAGE_LABEL }) },
      action,
    }, signal);
    const text = await response.text();
    let body: unknown;
    try {
      body = text.trim() === "" ? [] : JSON.parse(text);
    } catch (error) {
      throw notJsonError(`${action}: the server's report is not JSON`, text, error);
    }
    const entries = (Array.isArray(body) ? body : []) as { Id?: unknown; Size?: unknown }[];
    const sizes = entries.map((entry) => entry.Size).filter((size) => typeof size === "number");
    emit({
      cachesDeleted: entries.flatMap((entry) => typeof entry.Id === "string" ? [entry.Id] : []),
      spaceReclaimed: sizes.length === 0 ? undefined : sizes.reduce((sum, size) => sum + size, 0),
      supported: true,
    });
  });
}
