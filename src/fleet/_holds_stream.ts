/**
 * Whether the arguments of an operation hold a `ReadableStream`: as an argument, or inside
 * one's arrays and plain objects (`build({ customContext })`). A stream is read once, so it can
 * feed one host only (the fleet's own `load`, `build` and `artifacts.add` share theirs).
 *
 * @param values The arguments.
 * @returns `true` at the first stream found.
 */
export function holdsStream(values: readonly unknown[]): boolean {
  return values.some((value) => isOrHoldsStream(value, 0));
}

// Deep enough for an option's array of objects; a model or a buffer is never walked into.
const MAX_DEPTH = 4;

function isOrHoldsStream(value: unknown, depth: number): boolean {
  if (value instanceof ReadableStream) return true;
  if (depth >= MAX_DEPTH || typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some((item) => isOrHoldsStream(item, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).some((item) => isOrHoldsStream(item, depth + 1));
}
