import { deferredOperation, type Operation } from "../../async/operation.ts";
import type { Observable } from "rxjs";
import { checkOperationOptions, type OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { requestJson } from "../../client/request_json.ts";
import { encodeFilters, type Filters } from "../../vocabulary/filters.ts";
import { type AuthConfig, encodeRegistryAuth } from "../../vocabulary/registry_auth.ts";
import { readSearchResults, type SearchResult } from "../../vocabulary/reports.ts";

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
 * @returns A cold Observable of the hits. Before anything is sent, it errors with `TypeError`
 * when the term is empty, `limit` is not a number or `authConfig` not an object, and with
 * `RangeError` when `limit` is not a positive integer.
 */
export function searchImages(
  requester: Requester,
  term: string,
  options: SearchOptions = {},
): Operation<SearchResult[]> {
  return deferredOperation(
    () => `Cannot search for "${String(term)}"`,
    (action) => searchRequest(requester, term, action, options),
  );
}

function searchRequest(
  requester: Requester,
  term: string,
  action: string,
  options: SearchOptions,
): Observable<SearchResult[]> {
  checkOperationOptions(options, action);
  if (typeof term !== "string" || term.trim() === "") {
    throw new TypeError(`${action}: the search term is empty`);
  }
  const { limit } = options;
  if (limit !== undefined && typeof limit !== "number") {
    throw new TypeError(`${action}: limit must be a number, got ${typeof limit}`);
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new RangeError(`${action}: limit must be a positive integer, got ${limit}`);
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
      credentials: { reference: term },
      action,
    },
    options,
    readSearchResults,
  );
}
