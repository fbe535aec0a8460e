/**
 * Checks an option that takes a list of strings (`unsetLabels`...). `undefined` passes.
 *
 * @throws {TypeError} When it is not an array of strings.
 */
export function requireStringList(value: unknown, option: string, action: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw new TypeError(`${action}: ${option} must be an array of strings`);
  }
}

/**
 * Checks an option that takes strings by name (`annotations`...). `undefined` passes.
 *
 * @throws {TypeError} When it is not a plain object of strings.
 */
export function requireStringRecord(value: unknown, option: string, action: string): void {
  if (value === undefined) return;
  if (
    typeof value !== "object" || value === null || Array.isArray(value) ||
    Object.values(value).some((item) => typeof item !== "string")
  ) {
    throw new TypeError(`${action}: ${option} must be an object of name to string`);
  }
}
