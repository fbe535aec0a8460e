import type { Observable } from "rxjs";
import { apiAtLeast } from "../../client/api_version.ts";
import { operation, type OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { encodeFilters } from "../params/filters.ts";
import type { PruneBuildsReport } from "./reports.ts";

// Podman 5.3 added `buildcache` to image pruning; that flag also prunes dangling images, so a
// label filter that no image can carry keeps the images out and only the cache goes.
const NO_IMAGE_LABEL = "podrx.prune-builds-only=1b8e0c1f";

/**
 * Removes the build cache where the server can (Podman 5.3 and later prune the cache that
 * `RUN --mount=type=cache` builds leave); older servers have no such cache, so the report is
 * empty with `supported: false` and nothing is sent.
 *
 * @returns A cold Observable of what was removed.
 */
export function pruneBuildCache(
  requester: Requester,
  options?: OperationOptions,
): Observable<PruneBuildsReport> {
  const action = "Cannot prune the build cache";
  return operation<PruneBuildsReport>(action, options, async ({ emit, signal }) => {
    if (!apiAtLeast(await requester.apiVersion(signal), 5, 3)) {
      emit({ cachesDeleted: [], spaceReclaimed: 0, supported: false });
      return;
    }
    const response = await requester.request({
      method: "POST",
      path: "/images/prune",
      query: { buildcache: true, filters: encodeFilters({ label: NO_IMAGE_LABEL }) },
      action,
    }, signal);
    await response.body?.cancel();
    emit({ cachesDeleted: [], spaceReclaimed: 0, supported: true });
  });
}
