/** A libpod API version as numbers: `"5.4.2"` is `{ major: 5, minor: 4 }`. */
export interface ApiVersion {
  /** The major version; 0 when the text does not start with a number. */
  major: number;
  /** The minor version; 0 when there is none. */
  minor: number;
}

/** Reads `major.minor[.patch]` from an API version string; missing parts count as 0. */
export function parseApiVersion(version: string): ApiVersion {
  const [major = 0, minor = 0] = version.split(".").map((part) => Number.parseInt(part, 10))
    .map((part) => (Number.isNaN(part) ? 0 : part));
  return { major, minor };
}

/** Tells whether `version` is `major.minor` or later. */
export function apiAtLeast(version: string, major: number, minor = 0): boolean {
  const parsed = parseApiVersion(version);
  return parsed.major > major || (parsed.major === major && parsed.minor >= minor);
}
