/**
 * Checks an option that takes a whole number of 0 or more (`compressionLevel`, `retry`,
 * `sourceDateEpoch`...). `undefined` passes (the option is optional).
 *
 * @throws {TypeError} When the value is not a number.
 * @throws {RangeError} When it is a number that is not a whole one of 0 or more.
 */
export function requireWholeNumber(value: unknown, option: string, action: string): void {
  if (value === undefined) return;
  if (typeof value !== "number") {
    throw new TypeError(`${action}: ${option} must be a number, got ${typeof value}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${action}: ${option} must be a whole number of 0 or more, got ${value}`);
  }
}
