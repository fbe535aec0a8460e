/** A value of a query parameter; `undefined` leaves the parameter out. */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** Query parameters of an API request, by name. */
export type Query = Readonly<Record<string, QueryValue>>;

/**
 * Encodes query parameters the way Podman's handlers parse them: booleans as `true`/`false`,
 * arrays as the same key repeated, `undefined` left out.
 */
export function toSearchParams(query: Query): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === "object") {
      for (const item of value) params.append(key, item);
    } else {
      params.append(key, String(value));
    }
  }
  return params;
}
