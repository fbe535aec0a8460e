import type { RetryPolicy } from "../../client/request_json.ts";
import { APIError } from "../../errors.ts";

/**
 * Tries in all, the first included. The race usually clears within one retry; on a loaded
 * machine (load average 4 to 8 on 2 cores) beside a remover that never pauses, a list can meet
 * a removal on each of 5 tries over 750 ms (1 of 200 lists, in 2 of 3 runs), so it keeps
 * trying for about 2 s.
 */
export const IMAGE_RACE_TRIES = 8;
/** Milliseconds before the first retry; doubled before each next one, up to the cap below. */
export const IMAGE_RACE_BACKOFF_MS = 50;
/** The longest wait between two tries: 50, 100, 200, then 400 ms each, 1.95 s in all. */
export const IMAGE_RACE_MAX_BACKOFF_MS = 400;

/**
 * Whether an error is Podman 4's answer to an image removed while a read walks the store: a
 * 500 that says "image not known", or that blames one image Podman found half gone. Beside a
 * removal loop, lists failed with each of these:
 * - `image not known`;
 * - `retrieving label for image "…": you may need to remove the image to resolve the error:
 *   … layer not known` (or `size is not known`);
 * - `locating item named "manifest" for image with ID "…" (consider removing the image to
 *   resolve the issue): file does not exist`.
 *
 * Not this: a missing image asked for by name (a 404), and a stored manifest list without
 * this platform's image, which Podman words the same way but about an "image index" or
 * "image instance" (see `_broken_list_hint.ts`). A store that stays broken fails the same way
 * after the last try.
 */
export function isImageRace(error: unknown): boolean {
  if (!(error instanceof APIError) || error.status !== 500 || error.inStream) return false;
  const said = error.explanation;
  if (/\bimage not known\b/.test(said)) return true;
  return /\b(?:you may need to remove|consider removing) the image\b/.test(said) &&
    !/\bimage (?:index|instance)\b/.test(said);
}

/**
 * How a read (list, get, exists, history) retries a failure caused only by another client
 * removing an image while it ran: at most {@linkcode IMAGE_RACE_TRIES} tries with a short
 * backoff, and only for the answers {@linkcode isImageRace} names; every other error passes
 * through at once. Each retry is a new request.
 */
export const IMAGE_RACE_RETRY: RetryPolicy = {
  tries: IMAGE_RACE_TRIES,
  backoffMs: IMAGE_RACE_BACKOFF_MS,
  maxBackoffMs: IMAGE_RACE_MAX_BACKOFF_MS,
  retries: isImageRace,
};
