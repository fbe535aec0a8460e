/**
 * Formats a byte count for a progress line, in decimal units as Podman prints them.
 *
 * @param bytes A count of bytes.
 * @returns E.g. `"512 B"`, `"2.0 MB"`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatBytes(1_994_673), "2.0 MB");
 * assert.equal(formatBytes(512), "512 B");
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
