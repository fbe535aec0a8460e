import type { Requester } from "../../client/requester.ts";
import type { ManifestAttrs } from "../../vocabulary/manifest_attrs.ts";

/**
 * What the manifest-list operations need of the layers around them: a way to send requests,
 * and a way to make the model of a list. Operations are generic over that model (`L`), so they
 * never reach up to the manager or the model's class; the manager binds them with `Manifest`.
 */
export interface ManifestsContext<L> {
  /** Sends the requests. */
  readonly requester: Requester;
  /**
   * Makes the model of a list from its name, what `GET /libpod/manifests/{name}/json`
   * answered, and its local id when the server reported one.
   */
  readonly toManifest: (name: string, attrs: ManifestAttrs, id?: string) => L;
}
