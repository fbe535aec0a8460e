import { requireWholeNumber } from "./whole_number.ts";

/**
 * Checks `retry` and `retryDelay`, the server's retries of a failing registry transfer (a
 * pull, a push, a build's pulls): whole numbers of 0 or more.
 */
export function validateRegistryRetry(
  options: { retry?: number; retryDelay?: number },
  action: string,
): void {
  requireWholeNumber(options.retry, "retry", action);
  requireWholeNumber(options.retryDelay, "retryDelay", action);
}

/** `retryDelay` (milliseconds) as the server parses it: a Go duration (`"1500ms"`). */
export function retryDelayParam(milliseconds: number | undefined): string | undefined {
  return milliseconds === undefined ? undefined : `${milliseconds}ms`;
}
