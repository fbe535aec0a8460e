import { deferredOperation, type Operation } from "../../async/operation.ts";
import type { OperationOptions } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment, requestJson } from "../../client/request_json.ts";
import { parseReference, validateTag } from "../../vocabulary/reference.ts";
import type { ImageRef } from "./images_context.ts";

/**
 * `POST /libpod/images/{id}/untag`: removes the name `repository:tag` from an image, or every
 * name when both are left out.
 *
 * @returns A cold Observable that emits `true` once untagged; before anything is sent, it
 * errors with `RangeError` when the repository or tag is malformed (`TypeError` when not a
 * string).
 */
export function untagImage(
  requester: Requester,
  image: ImageRef,
  repository?: string,
  tag?: string,
  options?: OperationOptions,
): Operation<boolean> {
  const name = repository === undefined
    ? "every tag"
    : `"${String(repository)}:${String(tag ?? "latest")}"`;
  return deferredOperation(() => `Cannot remove ${name} from image "${image.name}"`, (action) => {
    if (repository !== undefined) parseReference(repository);
    if (tag !== undefined) validateTag(tag, action);
    return requestJson(
      requester,
      {
        method: "POST",
        path: `/images/${pathSegment(image.id)}/untag`,
        query: { repo: repository, tag: repository === undefined ? undefined : tag ?? "latest" },
        action,
        notFound: "image",
      },
      options,
      () => true,
    );
  });
}
