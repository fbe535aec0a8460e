// Podman names an image by 64 hex digits in its reports, but other servers and older reports
// (and podman-py's own test fixtures) prefix them with `sha256:`; both forms mean one id.
const IMAGE_ID = /^(?:sha256:)?([0-9a-f]{64})$/;
const IMAGE_ID_PREFIX = /^(?:sha256:)?([0-9a-f]{12,64})$/;

/**
 * The full image id in `text`, without `sha256:`, when `text` is one (with or without the
 * prefix); otherwise `undefined`.
 */
export function fullImageId(text: unknown): string | undefined {
  return typeof text === "string" ? IMAGE_ID.exec(text)?.[1] : undefined;
}

/**
 * The image id or id prefix (12 to 64 hex digits) in `text`, without `sha256:`; otherwise
 * `undefined`.
 */
export function imageIdPrefix(text: unknown): string | undefined {
  return typeof text === "string" ? IMAGE_ID_PREFIX.exec(text)?.[1] : undefined;
}

/** `text` without a leading `sha256:` when it is an image id; any other name as it is. */
export function withoutIdPrefix(text: string): string {
  return fullImageId(text) ?? text;
}
