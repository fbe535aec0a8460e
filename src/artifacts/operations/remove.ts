import { deferredOperation, type Operation } from "../../async/operation.ts";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment, requestJson } from "../../client/request_json.ts";
import { requiringVersion } from "../../client/requiring_version.ts";
import { PodmanError } from "../../errors.ts";
import { requireName } from "../../vocabulary/reference.ts";
import type { Artifact } from "../artifact.ts";

/** What `remove()` takes: an artifact, several, or `{ all: true }` for every one. */
export type ArtifactsToRemove = string | Artifact | readonly (string | Artifact)[] | {
  readonly all: true;
};

/** Options for `artifacts.remove()`. */
export interface RemoveArtifactOptions extends OperationOptions {
  /**
   * Names that are not in the store are skipped instead of failing the removal (Podman 5.7
   * and later).
   * @default {false}
   */
  ignore?: boolean;
}

/** The batch endpoint, which Podman 5.6 lacks: refused there before anything is sent. */
function batch(requester: Requester): Requester {
  return requiringVersion(requester, 5, 7, "removing several artifacts, all, or with ignore,");
}

function nameOf(artifact: string | Artifact): string {
  return typeof artifact === "string" ? artifact : artifact.name;
}

function isAll(target: ArtifactsToRemove): target is { readonly all: true } {
  return typeof target === "object" && target !== null && !Array.isArray(target) &&
    "all" in target;
}

/** What a removal names in its errors: `artifact "x"`, `artifacts "x", "y"`, `every artifact`. */
export function describeArtifacts(target: ArtifactsToRemove): string {
  if (isAll(target)) return "every artifact";
  if (Array.isArray(target)) return `artifacts ${target.map((a) => `"${nameOf(a)}"`).join(", ")}`;
  return `artifact "${nameOf(target as string | Artifact)}"`;
}

/** The digests in a remove report (`{"ArtifactDigests": [...]}`, `null` for none). */
function removedDigests(body: unknown, action: string): string[] {
  const digests = (body as { ArtifactDigests?: unknown } | null)?.ArtifactDigests ?? [];
  if (!Array.isArray(digests) || !digests.every((digest) => typeof digest === "string")) {
    throw new PodmanError(`${action}: the server's report has no list of digests`);
  }
  return digests;
}

/**
 * Removes artifacts from the store: one (`DELETE /libpod/artifacts/{name}`, Podman 5.6 and
 * later), several or all in one request (`DELETE /libpod/artifacts/remove`, Podman 5.7 and
 * later, which removes all or none of the names it can find).
 *
 * @returns A cold Observable of the digests of the removed artifacts. A name that is not in
 * the store errors with `NotFound` (unless `ignore`); an empty name, an empty list or
 * `{ all }` other than `true` is a `TypeError`, delivered on subscribe; several names,
 * `all` or `ignore` on Podman 5.6 a `PodmanError` before anything is sent.
 */
export function removeArtifacts(
  requester: Requester,
  target: ArtifactsToRemove,
  options: RemoveArtifactOptions = {},
): Operation<string[]> {
  return deferredOperation(() => `Cannot remove ${describeArtifacts(target)}`, (action) => {
    const read = (body: unknown) => removedDigests(body, action);
    let query;
    if (isAll(target)) {
      if (target.all !== true) throw new TypeError(`${action}: give { all: true } to remove all`);
      query = { all: true, ignore: options.ignore };
    } else {
      const names = (Array.isArray(target) ? target : [target]).map(nameOf);
      if (names.length === 0) throw new TypeError(`${action}: the list of artifacts is empty`);
      for (const name of names) requireName(name, action);
      if (names.length === 1 && options.ignore === undefined) {
        return requestJson(
          requester,
          { method: "DELETE", path: `/artifacts/${pathSegment(names[0]!)}`, action },
          options,
          read,
        );
      }
      query = { artifacts: names, ignore: options.ignore };
    }
    return requestJson(
      batch(requester),
      { method: "DELETE", path: "/artifacts/remove", query, action },
      options,
      read,
    );
  });
}
