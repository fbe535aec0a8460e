import type { Observable } from "rxjs";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { requestJson } from "../../client/request_json.ts";
import { encodeFilters, type Filters } from "../params/filters.ts";
import { type AuthConfig, encodeRegistryAuth } from "../params/registry_auth.ts";
import type { SearchResult } from "./reports.ts";

/** Options for {@linkcode ImagesManager.search}. */
export interface SearchOptions extends OperationOptions {
  /** `is-automated`, `is-official`, `stars`. */
  filters?: Filters;
  /** Most results per registry. */
  limit?: number;
  /**
   * List the tags of the repository named by `term` instead of searching.
   * @default {false}
   */
  listTags?: boolean;
  /**
   * Do not truncate descriptions.
   * @default {true}
   */
  noTrunc?: boolean;
  /**
   * Require HTTPS and verify certificates.
   * @default {true}
   */
  tlsVerify?: boolean;
  /** Credentials for the registry. */
  authConfig?: AuthConfig;
}

/**
 * `GET /libpod/images/search`: searches registries, or lists a repository's tags with
 * `listTags`.
 *
 * @returns A cold Observable of the hits.
 * @throws {TypeError} When the term is empty or `authConfig` is malformed.
 * @throws {RangeError} When `limit` is not a positive integer.
 */
export function searchImages(
  requester: Requester,
  term: string,
  options: SearchOptions = {},
): Observable<SearchResult[]> {
  const action = `Cannot search for "${term}"`;
  if (typeof term !== "string" || term.trim() === "") {
    throw new TypeError(`${action}: the search term is empty`);
  }
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
    throw new RangeError(`${action}: limit must be a positive integer, got ${options.limit}`);
  }
  const auth = encodeRegistryAuth(options.authConfig, term);
  return requestJson(
    requester,
    {
      path: "/images/search",
      query: {
        term,
        limit: options.limit,
        filters: encodeFilters(options.filters),
        listTags: options.listTags,
        noTrunc: options.noTrunc ?? true,
        tlsVerify: options.tlsVerify,
      },
      headers: auth.headers,
      secrets: auth.secrets,
      action,
    },
    options,
    (body) => (body ?? []) as SearchResult[],
  );
}
