import { catchError, defer, map, type Observable, of, switchMap } from "rxjs";
import { checkOperationOptions, type OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { requestJson, segment } from "../../client/request_json.ts";
import { APIError } from "../../errors.ts";
import { requireName } from "../params/reference.ts";
import { type AuthConfig, encodeRegistryAuth } from "../params/registry_auth.ts";
import { inspectImage } from "./get.ts";
import type { ImageAttrs } from "./reports.ts";

/** Options for {@linkcode ImagesManager.getRegistryData}. */
export interface RegistryDataOptions extends OperationOptions {
  /** Credentials for the registry. */
  authConfig?: AuthConfig;
  /**
   * Require HTTPS and verify certificates when asking the registry.
   * @default {true}
   */
  tlsVerify?: boolean;
}

/** Where {@linkcode RegistryData} came from. */
export type RegistryDataSource = "registry" | "local";

/** What {@linkcode readRegistryData} found: the manifest list, or the local image's attributes. */
export interface RegistryAnswer {
  /** Whether the registry answered or the local image stood in. */
  source: RegistryDataSource;
  /** The manifest list (registry) or inspect document (local). */
  attrs: Record<string, unknown>;
}

function isManifestList(body: unknown): body is Record<string, unknown> {
  if (typeof body !== "object" || body === null) return false;
  const manifests = (body as { manifests?: unknown }).manifests;
  return Array.isArray(manifests) && manifests.length > 0;
}

/**
 * The registry first (`GET /libpod/manifests/{name}/json`), the local image when the registry
 * cannot answer or answers without platforms (a single Docker v2 image comes back as
 * `{"manifests": null}`).
 *
 * @returns A cold Observable of what was found and where; it errors with `TypeError` (before
 * anything is sent) when the name is empty or `authConfig` is not an object.
 */
export function readRegistryData(
  requester: Requester,
  name: string,
  options: RegistryDataOptions = {},
): Observable<RegistryAnswer> {
  return defer(() => readChecked(requester, name, options));
}

function readChecked(
  requester: Requester,
  name: string,
  options: RegistryDataOptions,
): Observable<RegistryAnswer> {
  const action = `Cannot read registry data of "${name}"`;
  requireName(name, action);
  checkOperationOptions(options, action);
  const auth = encodeRegistryAuth(options.authConfig);
  const fromLocal = inspectImage(
    { requester, toImage: (attrs: ImageAttrs) => attrs as unknown as Record<string, unknown> },
    name,
    `Cannot get image "${name}"`,
    options,
  ).pipe(map((attrs): RegistryAnswer => ({ source: "local", attrs })));
  const fromRegistry = requestJson(
    requester,
    {
      path: `/manifests/${segment(name)}/json`,
      query: { tlsVerify: options.tlsVerify },
      headers: auth.headers,
      secrets: auth.secrets,
      action,
    },
    options,
    (body) => body,
  );
  return fromRegistry.pipe(
    map((body) => (isManifestList(body) ? body : undefined)),
    catchError((error: unknown) => {
      if (!(error instanceof APIError)) throw error;
      return of(undefined);
    }),
    switchMap((list) => list ? of<RegistryAnswer>({ source: "registry", attrs: list }) : fromLocal),
  );
}
