/**
 * The useful part of a fetch failure: Deno wraps the OS error ("No such file or directory",
 * "Connection refused", "Connection reset by peer") in a generic "fetch failed" TypeError.
 */
export function networkReason(error: unknown): string {
  let innermost: unknown = error;
  // Only fetch's generic wrappers are peeled off; a specific reason (the transport's) stays.
  while (
    innermost instanceof Error && innermost.cause !== undefined &&
    /^(fetch failed|error sending request|error reading a body)/.test(innermost.message)
  ) innermost = innermost.cause;
  const message = innermost instanceof Error ? innermost.message : String(innermost);
  const tail = message.slice(message.lastIndexOf("): ") + 1).replace(/^[):\s]+/, "");
  return tail.replace(/^client error \(\w+\):\s*/, "") || message;
}
