import { type MonoTypeOperatorFunction, retry, throwError, timer } from "rxjs";
import { APIError } from "../../errors.ts";

/**
 * Tries in all, the first included. The race usually clears within one retry; on a loaded
 * machine beside a busy remover, two retries 50 then 100 ms apart were seen to fail (2 of 200
 * lists), so up to 750 ms in all.
 */
export const IMAGE_RACE_TRIES = 5;
/** Milliseconds before the first retry; doubled before each next one. */
export const IMAGE_RACE_BACKOFF_MS = 50;

/**
 * Whether an error is Podman 4's answer to an image removed while a read walks the store:
 * a 500 "image not known" (a missing image asked for by name is a 404, never this).
 */
export function isImageRace(error: unknown): boolean {
  return error instanceof APIError && error.status === 500 && !error.inStream &&
    /\bimage not known\b/.test(error.explanation);
}

/**
 * Retries a read (list, get, exists, history) that failed only because another client removed
 * an image while it ran: at most {@linkcode IMAGE_RACE_TRIES} tries with a short backoff, and
 * only for that exact server error; every other error passes through at once. Each retry is a
 * new request (the reads are cold).
 */
export function retryImageRace<T>(): MonoTypeOperatorFunction<T> {
  return retry({
    count: IMAGE_RACE_TRIES - 1,
    delay: (error: unknown, retryCount: number) =>
      isImageRace(error)
        ? timer(IMAGE_RACE_BACKOFF_MS * 2 ** (retryCount - 1))
        : throwError(() => error),
  });
}
