/** One filter's value: a string, number or boolean, several of them, or `{ key: value }` pairs. */
export type FilterValue =
  | string
  | number
  | boolean
  | readonly (string | number | boolean)[]
  | Readonly<Record<string, string | number | boolean>>;

/**
 * Filters for list, prune and search, by name: `dangling`, `label`, `label!`, `reference`,
 * `before`, `since`, `until`, ... A label can be `"k"`, `"k=v"`, a list of them, or an object
 * `{ k: "v" }`, which is sent as `k=v`.
 */
export type Filters = Readonly<Record<string, FilterValue | undefined>>;

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Encodes filters as the JSON map of lists Podman parses (`{"label":["k=v"]}`), or
 * `undefined` when there are none.
 *
 * @throws {TypeError} When a filter value is not a string, number, boolean, list or object.
 */
export function encodeFilters(filters: Filters | undefined): string | undefined {
  if (filters === undefined) return undefined;
  if (!isPlainObject(filters)) {
    throw new TypeError(`Cannot encode filters: expected an object, got ${typeof filters}`);
  }
  // A null-prototype object: a filter named "constructor" or "__proto__" is just a name.
  const encoded: Record<string, string[]> = Object.create(null);
  for (const name of Object.keys(filters).sort()) {
    if (!Object.hasOwn(filters, name)) continue;
    const value = filters[name];
    if (value === undefined) continue;
    const values = (encoded[name] ??= []);
    if (Array.isArray(value)) {
      for (const item of value) values.push(scalar(name, item));
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        values.push(`${key}=${scalar(name, item)}`);
      }
    } else {
      values.push(scalar(name, value));
    }
  }
  return Object.keys(encoded).length === 0 ? undefined : JSON.stringify(encoded);
}

function scalar(name: string, value: unknown): string {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  throw new TypeError(
    `Cannot encode filter "${name}": expected a string, number or boolean, got ${
      value === null ? "null" : typeof value
    }`,
  );
}
