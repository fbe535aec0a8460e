import { deferredOperation, type Operation } from "../../async/operation.ts";
import { catchError, type Observable, of } from "rxjs";
import { checkOperationOptions, type OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment, requestJson } from "../../client/request_json.ts";
import { APIError } from "../../errors.ts";
import { parseReference, validateTag } from "../../vocabulary/reference.ts";
import type { ImageRef } from "./images_context.ts";

/** Options for {@linkcode Image.tag}. */
export interface TagOptions extends OperationOptions {
  /**
   * When true, a refused tag (status up to 500) emits `false` instead of erroring, as
   * podman-py's `force` does.
   * @default {false}
   */
  force?: boolean;
}

/**
 * `POST /libpod/images/{id}/tag`: adds the name `repository:tag` to an image.
 *
 * @returns A cold Observable that emits `true` once tagged (`false` when refused with `force`).
 * Before anything is sent, it errors with `TypeError` when the repository carries a tag or
 * digest (the tag would be given twice) and with `RangeError` when either is malformed.
 */
export function tagImage(
  requester: Requester,
  image: ImageRef,
  repository: string,
  tag: string | undefined,
  options: TagOptions = {},
): Operation<boolean> {
  return deferredOperation(
    () => `Cannot tag image "${image.name}" as "${String(repository)}:${String(tag ?? "latest")}"`,
    (action) => tagRequest(requester, image, repository, tag, action, options),
  );
}

function tagRequest(
  requester: Requester,
  image: ImageRef,
  repository: string,
  tag: string | undefined,
  action: string,
  options: TagOptions,
): Observable<boolean> {
  checkOperationOptions(options, action);
  const parsed = parseReference(repository);
  if (parsed.tag !== undefined || parsed.digest !== undefined) {
    throw new TypeError(`${action}: the repository must not carry a tag or digest`);
  }
  if (tag !== undefined) validateTag(tag, action);
  const tagged = requestJson(
    requester,
    {
      method: "POST",
      path: `/images/${pathSegment(image.id)}/tag`,
      query: { repo: repository, tag },
      action,
      notFound: "image",
    },
    options,
    () => true,
  );
  return options.force ? tagged.pipe(catchError(refusedAsFalse)) : tagged;
}

function refusedAsFalse(error: unknown): Observable<boolean> {
  if (error instanceof APIError && error.status <= 500) return of(false);
  throw error;
}
