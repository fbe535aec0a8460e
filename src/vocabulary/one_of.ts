/**
 * Checks an option that takes one of a fixed set of names (`policy`, `format`, `encoding`...):
 * the one rule for bad arguments, applied to choices. `undefined` passes (the option is
 * optional).
 *
 * @throws {TypeError} When the value is not a string.
 * @throws {RangeError} When it is a string outside the set.
 */
export function requireOneOf(
  value: unknown,
  allowed: readonly string[],
  option: string,
  action: string,
): void {
  if (value === undefined) return;
  const choices = allowed.map((name) => `"${name}"`).join(", ");
  if (typeof value !== "string") {
    throw new TypeError(`${action}: ${option} must be one of ${choices}, got ${typeof value}`);
  }
  if (!allowed.includes(value)) {
    throw new RangeError(`${action}: ${option} must be one of ${choices}, got "${value}"`);
  }
}
