import dockerignore, { type Ignore } from "@balena/dockerignore";

// The package is CommonJS: its export is the factory, which also sits on `.default`, the
// only spelling its typings allow for a default import.
const createIgnore = dockerignore.default;

/** One negation (`!pattern`) of an ignore file, cleaned and split into path components. */
type Negation = readonly string[];

/** Go's `path.Clean` for `/`-separated paths, split into components (no leading `/`). */
export function cleanComponents(path: string): string[] {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts;
}

function negationsOf(lines: readonly string[]): Negation[] {
  const negations: Negation[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith("#")) continue;
    // Like Docker, `/!x` is an exception too: the leading `/` is cleaned away first.
    const pattern = line.startsWith("!") ? line : cleanComponents(line).join("/");
    if (!pattern.startsWith("!")) continue;
    const components = cleanComponents(pattern.slice(1).trim());
    if (components.length > 0) negations.push(components);
  }
  return negations;
}

/** Whether one component of a pattern (`*`, `?`, `[...]`, `\x`) can match a name. */
function componentMatches(pattern: string, name: string): boolean {
  // Character classes are rare; treating them as "may match" only costs a descent.
  if (pattern.includes("[")) return true;
  let source = "^";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "\\" && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else source += escapeRegExp(char);
  }
  return new RegExp(`${source}$`).test(name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Whether a negation could re-include `dir` itself or anything below it. */
function mayMatchUnder(negation: Negation, dir: readonly string[]): boolean {
  for (let i = 0; i < dir.length; i++) {
    const component = negation[i];
    // The pattern ends above `dir`: it matches an ancestor, and thus everything below.
    if (component === undefined) return true;
    if (component.startsWith("**")) return true;
    if (!componentMatches(component, dir[i]!)) return false;
  }
  return true;
}

/**
 * Docker's `.dockerignore` semantics for a build context: `!` exceptions, `*`, `?`, `**`,
 * anchoring at the context root, trailing `/`, `#` comments, case-sensitive matching.
 * Paths are relative to the context and `/`-separated.
 */
export class ContextIgnore {
  #matcher: Ignore;
  #negations: Negation[];
  #keep: ReadonlySet<string>;

  /**
   * @param text The ignore file's content (empty when there is none).
   * @param keep Paths that are sent even when a pattern excludes them (the Dockerfile and
   * the ignore file, as Docker does).
   */
  constructor(text: string, keep: Iterable<string> = []) {
    const lines = text.split(/\r?\n/);
    // Docker matches case-sensitively; the library's default is the opposite.
    this.#matcher = createIgnore({ ignorecase: false }).add(lines);
    this.#negations = negationsOf(lines);
    this.#keep = new Set([...keep].map((path) => cleanComponents(path).join("/")));
  }

  /** Whether the entry at `path` is left out of the context. */
  excludes(path: string): boolean {
    if (this.#keep.has(path)) return false;
    return this.#matcher.ignores(path);
  }

  /**
   * Whether an excluded directory must still be walked because something below it may be
   * sent: an exception pattern that can match under it (`dir` excluded, `!dir/keep.txt`
   * re-included), or a path that is always sent.
   */
  mustDescend(dir: string): boolean {
    const components = dir.split("/");
    const prefix = `${dir}/`;
    for (const kept of this.#keep) {
      if (kept.startsWith(prefix)) return true;
    }
    return this.#negations.some((negation) => mayMatchUnder(negation, components));
  }
}
