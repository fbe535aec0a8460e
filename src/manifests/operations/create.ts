import { deferredOperation, type Operation } from "../../async/operation.ts";
import { concatMap } from "rxjs";
import type { OperationOptions } from "../../client/operation.ts";
import { pathSegment, requestJson } from "../../client/request_json.ts";
import type { Image } from "../../images/image.ts";
import { parseReference, requireName } from "../../vocabulary/reference.ts";
import { imageSource, requireImages } from "./_image_source.ts";
import { inspectManifest } from "./get.ts";
import type { ManifestsContext } from "./manifests_context.ts";

/** Options for {@linkcode ManifestsManager.create}. */
export interface CreateManifestOptions extends OperationOptions {
  /**
   * Images to put in the new list: names (a bare name is read from its registry,
   * `containers-storage:NAME` from local storage) or local `Image` models.
   * @default {[]}
   */
  images?: (Image | string)[];
  /**
   * When an image is itself a list, add every image of it, not only the one for this
   * server's platform.
   * @default {false}
   */
  all?: boolean;
}

/**
 * `POST /libpod/manifests/{name}`: creates a manifest list in local storage, then inspects it.
 *
 * @returns A cold Observable of the new list's model (with its local id). A malformed name or
 * bad `images` is a `TypeError`, delivered on subscribe; a name already taken errors with
 * `APIError`.
 */
export function createManifest<L>(
  context: ManifestsContext<L>,
  name: string,
  options: CreateManifestOptions = {},
): Operation<L> {
  return deferredOperation(() => `Cannot create manifest list "${name}"`, (action) => {
    requireName(name, action);
    parseReference(name);
    const images = requireImages(options.images ?? [], action).map(imageSource);
    return requestJson(
      context.requester,
      {
        method: "POST",
        path: `/manifests/${pathSegment(name)}`,
        query: { images: images.length > 0 ? images : undefined, all: options.all },
        action,
      },
      options,
      (body) => String((body as { Id?: unknown } | undefined)?.Id ?? ""),
    ).pipe(
      concatMap((id) => inspectManifest(context, name, action, id || undefined, options)),
    );
  });
}
