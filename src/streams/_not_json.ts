import { PodmanError } from "../errors.ts";

/** The error for a server answer that should be JSON and is not, with a short excerpt. */
export function notJsonError(message: string, text: string, cause: unknown): PodmanError {
  const excerpt = text.length > 200 ? `${text.slice(0, 200)}...` : text;
  return new PodmanError(`${message}: ${excerpt}`, { cause });
}
