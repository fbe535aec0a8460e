import { deferredOperation, type Operation } from "../../async/operation.ts";
import { checkOperationOptions, type OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { requestJson } from "../../client/request_json.ts";
import { APIError } from "../../errors.ts";
import { encodeFilters, type Filters } from "../../vocabulary/filters.ts";
import type { PruneReport } from "../../vocabulary/reports.ts";

/** Options for {@linkcode ImagesManager.prune}. */
export interface PruneOptions extends OperationOptions {
  /**
   * Remove every image no container uses, not only dangling ones.
   * @default {false}
   */
  all?: boolean;
  /**
   * Also remove images used only by external containers (e.g. buildah's).
   * @default {false}
   */
  external?: boolean;
  /** `dangling`, `label`, `label!`, `until` (e.g. `"24h"` or a timestamp). */
  filters?: Filters;
}

/**
 * `POST /libpod/images/prune`: removes unused images, dangling ones or every unused one.
 *
 * @returns A cold Observable of the ids removed and the bytes reclaimed. When the server
 * could not remove some images it errors with one `APIError` naming them all; with
 * `TypeError` (before anything is sent) when `filters` is not an object of filter values.
 */
export function pruneImages(
  requester: Requester,
  options: PruneOptions = {},
): Operation<PruneReport> {
  const path = "/images/prune";
  return deferredOperation("Cannot prune images", (action) => {
    checkOperationOptions(options, action);
    return requestJson(
      requester,
      {
        method: "POST",
        path,
        query: {
          all: options.all,
          external: options.external,
          filters: encodeFilters(options.filters),
        },
        action,
      },
      options,
      (body) => pruneReport(body, action, path),
    );
  });
}

function pruneReport(body: unknown, action: string, path: string): PruneReport {
  const entries = (body ?? []) as { Id?: string; Size?: number; Err?: string | null }[];
  const failures = entries.filter((entry) => entry.Err);
  if (failures.length > 0) {
    throw new APIError(action, {
      status: 200,
      method: "POST",
      path,
      // An entry may carry an error without naming an image; then the error says it all.
      explanation: failures.map((entry) => entry.Id ? `${entry.Id}: ${entry.Err}` : entry.Err)
        .join("; "),
    });
  }
  return {
    // An entry without an id names none.
    imagesDeleted: entries.flatMap((entry) => entry.Id ? [entry.Id] : []),
    spaceReclaimed: entries.reduce((sum, entry) => sum + (entry.Size ?? 0), 0),
  };
}
