/** An HTTP authentication challenge: `Bearer realm="…",service="…",scope="…"`. */
export interface Challenge {
  /** The scheme, lowercased: `basic` or `bearer`. */
  scheme: string;
  /** Its parameters, keys lowercased, quotes removed. */
  params: Record<string, string>;
}

// A parameter is token=token or token="quoted string" (RFC 9110 §11.2); a scope such as
// `repository:a/b:pull,push` holds commas, so values are read quote-aware, not split on `,`.
const PARAM = /\s*([!#$%&'*+.^_`|~\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;

/**
 * Reads the first challenge of a `WWW-Authenticate` header. Registries send one; a header with
 * several gives its first, which is the one Docker and Podman use too.
 *
 * @returns The challenge, or `undefined` when the header is missing or has no scheme.
 */
export function parseChallenge(header: string | null): Challenge | undefined {
  const match = header?.match(/^\s*([A-Za-z][\w-]*)\s*/);
  if (!header || !match) return undefined;
  const params: Record<string, string> = {};
  PARAM.lastIndex = match[0].length;
  for (let found = PARAM.exec(header); found; found = PARAM.exec(header)) {
    const [, key = "", quoted, bare] = found;
    params[key.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : bare ?? "";
    if (PARAM.lastIndex >= header.length) break;
  }
  return { scheme: match[1]!.toLowerCase(), params };
}
