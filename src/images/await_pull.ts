import type { Observable } from "rxjs";
import type { AwaitOptions } from "../async/await_options.ts";
import { settle } from "../async/settle.ts";
import { PodmanError } from "../errors.ts";
import type { PullEventOf, PullOptions } from "./operations/pull.ts";

/**
 * Runs a pull to its end for the await style: resolves with the pulled image, or with every
 * image for an `allTags` pull; `onProgress` sees each event as it arrives.
 */
export function awaitPull<M>(
  events: Observable<PullEventOf<M>>,
  options: PullOptions & AwaitOptions<PullEventOf<M>>,
): Promise<M | M[]> {
  let images: M[] = [];
  return settle(events, (event) => {
    options.onProgress?.(event);
    if (event.type === "pulled") images = event.images;
  }, () => {
    if (images.length === 0) throw new PodmanError("The pull completed without an image");
    return options.allTags ? images : images[0]!;
  });
}
