import { isRegistryHost, parseReference } from "../vocabulary/reference.ts";

/** What `login("registry.example.com/team")` is about. */
export interface LoginKey {
  /** The auth file's key: `registry.example.com/team`. */
  key: string;
  /** The registry host the credentials are checked against: `registry.example.com`. */
  registry: string;
}

/**
 * Reads the registry argument of login and logout as `podman login` does: `host[:port]`,
 * optionally with a namespace or repository (`host/team/app`), which then gets credentials of
 * its own; an `http(s)://` URL stands for its `host[:port]` alone.
 *
 * @throws {TypeError} When it is not a string, or is empty.
 * @throws {RangeError} When the host is not one, or the path is not a repository (a tag or
 * digest in it, illegal characters).
 */
export function loginKey(target: unknown, action: string): LoginKey {
  if (typeof target !== "string" || target.trim() === "") {
    throw new TypeError(`${action}: the registry is empty`);
  }
  let key = target;
  if (/^https?:\/\//.test(key)) {
    try {
      key = new URL(key).host;
    } catch {
      throw new RangeError(`${action}: "${target}" is not a URL`);
    }
  }
  const slash = key.indexOf("/");
  const registry = slash === -1 ? key : key.slice(0, slash);
  if (!isRegistryHost(registry)) {
    throw new RangeError(`${action}: "${registry}" is not a registry host`);
  }
  if (slash !== -1) {
    let parsed;
    try {
      // Behind a stand-in registry, so that the path's first part is never read as a host.
      parsed = parseReference(`localhost/${key.slice(slash + 1)}`);
    } catch (error) {
      throw new RangeError(
        `${action}: "${key}" is not a registry, namespace or repository: ${
          (error as Error).message.replace(/^Cannot parse image reference ".*?": /, "")
        }`,
      );
    }
    if (parsed.tag !== undefined || parsed.digest !== undefined) {
      throw new RangeError(
        `${action}: "${key}" names a ${parsed.digest ? "digest" : "tag"}; ` +
          "credentials are kept for a registry, namespace or repository",
      );
    }
  }
  return { key, registry };
}
