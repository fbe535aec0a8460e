/**
 * Turning anything thrown into a message.
 *
 * @module
 */

/** Turns anything thrown into a message. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
