import { deferredOperation, type Operation } from "../../async/operation.ts";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment, requestJson } from "../../client/request_json.ts";
import { APIError } from "../../errors.ts";
import type { ImageRef } from "../../images/operations/images_context.ts";
import { type AuthConfig, encodeRegistryAuth } from "../../vocabulary/registry_auth.ts";
import { imageSource, requireImages } from "./_image_source.ts";

/** Options for `Manifest.add`, named as podman-py's keyword arguments in camelCase. */
export interface ManifestAddOptions extends OperationOptions {
  /**
   * When an image is itself a list, add every image of it, not only the one for this
   * server's platform.
   * @default {false}
   */
  all?: boolean;
  /** Annotations to set on the added entries. */
  annotation?: Record<string, string>;
  /** Architecture to record for the added entries, overriding the image's. */
  arch?: string;
  /** Features to record for the added entries. */
  features?: string[];
  /** Operating system to record for the added entries, overriding the image's. */
  os?: string;
  /** OS version to record for the added entries. */
  osVersion?: string;
  /** Architecture variant to record for the added entries. */
  variant?: string;
  /**
   * Require HTTPS and verify certificates when reading images from a registry.
   * @default {true}
   */
  tlsVerify?: boolean;
  /** Credentials for the registry the images are read from. */
  authConfig?: AuthConfig;
}

interface ModifyReport {
  Id?: string;
  errors?: unknown[] | null;
}

/** The list's id from a modify answer; errors listed in a 200 answer raise. */
function readModifyReport(body: unknown, action: string, path: string): string {
  const report = (body ?? {}) as ModifyReport;
  if (report.errors?.length) {
    throw new APIError(action, {
      status: 200,
      method: "PUT",
      path,
      explanation: report.errors.map((error) => JSON.stringify(error)).join("; "),
    });
  }
  return report.Id ?? "";
}

/**
 * `PUT /libpod/manifests/{name}` with `operation: "update"`: adds images to a manifest list.
 *
 * @returns A cold Observable of the list's id. Bad `images` is a `TypeError`, delivered on
 * subscribe; an image that cannot be read errors with `APIError` (Podman answers 400, or 409
 * when some images were added and some not).
 */
export function addToManifest(
  requester: Requester,
  name: string,
  images: readonly (ImageRef | string)[],
  options: ManifestAddOptions = {},
): Operation<string> {
  return deferredOperation(() => `Cannot add images to manifest list "${name}"`, (action) => {
    const sources = requireImages(images, action).map(imageSource);
    if (sources.length === 0) throw new TypeError(`${action}: no images given`);
    // The credentials are keyed by the registry of the first image read from a registry.
    const remote = sources.find((source) => !source.startsWith("containers-storage:"));
    const auth = encodeRegistryAuth(options.authConfig, remote?.replace(/^docker:\/\//, ""));
    const path = `/manifests/${pathSegment(name)}`;
    const annotation = options.annotation &&
      Object.entries(options.annotation).map(([key, value]) => `${key}=${value}`);
    const body = {
      operation: "update",
      images: sources,
      all: options.all,
      annotation,
      arch: options.arch,
      features: options.features,
      os: options.os,
      // Podman's JSON field name.
      // deno-lint-ignore camelcase
      os_version: options.osVersion,
      variant: options.variant,
    };
    return requestJson(
      requester,
      {
        method: "PUT",
        path,
        query: { tlsVerify: options.tlsVerify },
        headers: { "Content-Type": "application/json", ...auth.headers },
        body: JSON.stringify(body),
        secrets: auth.secrets,
        ...(remote === undefined
          ? {}
          : { credentials: { reference: remote.replace(/^docker:\/\//, "") } }),
        action,
      },
      options,
      (answer) => readModifyReport(answer, action, path),
    );
  });
}

/**
 * `PUT /libpod/manifests/{name}` with `operation: "remove"`: removes one image from a
 * manifest list by its digest (a reference `name@sha256:...` is cut to the digest, as
 * podman-py does). The image itself stays in local storage.
 *
 * @returns A cold Observable of the list's id. A digest that is not `algorithm:hex` is a
 * `TypeError`, delivered on subscribe.
 */
export function removeFromManifest(
  requester: Requester,
  name: string,
  digest: string,
  options?: OperationOptions,
): Operation<string> {
  return deferredOperation(
    () => `Cannot remove "${digest}" from manifest list "${name}"`,
    (action) => {
      const bare = typeof digest === "string" ? digest.slice(digest.indexOf("@") + 1) : "";
      if (!/^[a-z0-9]+:[0-9a-f]{32,}$/.test(bare)) {
        throw new TypeError(`${action}: a digest is algorithm:hex, e.g. sha256:0123...`);
      }
      const path = `/manifests/${pathSegment(name)}`;
      return requestJson(
        requester,
        {
          method: "PUT",
          path,
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ operation: "remove", images: [bare] }),
          action,
        },
        options,
        (answer) => readModifyReport(answer, action, path),
      );
    },
  );
}
