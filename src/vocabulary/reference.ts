/** An image reference split into its parts: `registry:port/namespace/name:tag@digest`. */
export interface ImageReference {
  /** Registry host (and port), when the first component names one. */
  registry?: string;
  /** The repository path without the registry, e.g. `library/busybox`. */
  path: string;
  /** The tag, when one was given. */
  tag?: string;
  /** The digest, `sha256:...`, when one was given. */
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const REGISTRY = /^(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/;

function looksLikeRegistry(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost" ||
    component.startsWith("[");
}

/**
 * Whether a string alone names a registry host (`quay.io`, `localhost:5000`, `[::1]:5000`), as
 * the first component of a reference would: with a dot, a port, brackets or `localhost`.
 */
export function isRegistryHost(text: string): boolean {
  return looksLikeRegistry(text) && REGISTRY.test(text);
}

/**
 * Parses an image reference as Podman does. The last `:` after the last `/` starts the tag, so
 * `127.0.0.1:5000/a/b` has no tag; `@` starts a digest.
 *
 * @throws {TypeError} When the reference is not a string, or is empty.
 * @throws {RangeError} When it is malformed (illegal characters, a bad tag or digest).
 */
export function parseReference(reference: string): ImageReference {
  if (typeof reference !== "string") {
    throw new TypeError(`Cannot parse image reference: expected a string, got ${typeof reference}`);
  }
  if (reference.trim() === "") throw new TypeError("Cannot parse image reference: it is empty");
  const fail = (why: string): never => {
    throw new RangeError(`Cannot parse image reference "${reference}": ${why}`);
  };
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) fail(`"${digest}" is not a digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(`"${tag}" is not a valid tag`);
  }
  const components = rest.split("/");
  let registry: string | undefined;
  if (components.length > 1 && looksLikeRegistry(components[0]!)) {
    registry = components.shift()!;
    if (!REGISTRY.test(registry)) fail(`"${registry}" is not a valid registry host`);
  }
  for (const component of components) {
    if (!COMPONENT.test(component)) {
      fail(
        component === ""
          ? "a path component is empty"
          : `"${component}" is not a valid name (lowercase letters, digits and separators)`,
      );
    }
  }
  const parsed: ImageReference = { path: components.join("/") };
  if (registry !== undefined) parsed.registry = registry;
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  return parsed;
}

/** Writes a reference back as text; `parseReference` then gives the same parts. */
export function formatReference(reference: ImageReference): string {
  let text = reference.registry ? `${reference.registry}/${reference.path}` : reference.path;
  if (reference.tag !== undefined) text += `:${reference.tag}`;
  if (reference.digest !== undefined) text += `@${reference.digest}`;
  return text;
}

/** The repository part of a reference (registry and path), without tag or digest. */
export function repositoryOf(reference: ImageReference): string {
  return reference.registry ? `${reference.registry}/${reference.path}` : reference.path;
}

/**
 * Checks a tag on its own, as `Image.tag()` and `push()` take it.
 *
 * @throws {TypeError} When the tag is not a string, or is empty.
 * @throws {RangeError} When it is malformed.
 */
export function validateTag(tag: string, action: string): void {
  if (typeof tag !== "string") {
    throw new TypeError(`${action}: the tag must be a string, got ${typeof tag}`);
  }
  if (tag === "") throw new TypeError(`${action}: the tag is empty`);
  if (!TAG.test(tag)) throw new RangeError(`${action}: "${tag}" is not a valid tag`);
}

/**
 * A reference with a separate `tag` option applied: `tag` is checked and appended, and a
 * reference that already names a tag or digest is refused (the tag would be given twice).
 * Without `tag`, the parsed reference as it is.
 *
 * @throws {TypeError} When both name a tag (the tag is given twice), or one is not a string.
 * @throws {RangeError} When the reference or the tag is malformed.
 */
export function withTag(
  repository: string,
  tag: string | undefined,
  action: string,
): ImageReference {
  const parsed = parseReference(repository);
  if (tag === undefined) return parsed;
  validateTag(tag, action);
  if (parsed.tag !== undefined || parsed.digest !== undefined) {
    throw new TypeError(
      `${action}: the reference already names a ${parsed.digest ? "digest" : "tag"}; ` +
        `do not pass tag "${tag}" too`,
    );
  }
  return { ...parsed, tag };
}

/**
 * Checks that an image name or id is a non-empty string (not parsed: ids and short ids are
 * names too).
 *
 * @throws {TypeError} When it is not.
 */
export function requireName(name: unknown, action: string): asserts name is string {
  if (typeof name !== "string" || name.trim() === "") {
    throw new TypeError(`${action}: the image name is empty`);
  }
}
