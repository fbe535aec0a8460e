/** A platform: `os`, `architecture` and optionally `variant`. */
export interface Platform {
  /** Operating system, e.g. `linux`. */
  os: string;
  /** CPU architecture, e.g. `amd64`. */
  architecture: string;
  /** Architecture variant, e.g. `v8`. */
  variant?: string;
}

/**
 * Reads a platform, `os/arch[/variant]` or an object: the one rule for every option and
 * method that takes a platform (`pull`'s `platform`, `RegistryData.hasPlatform`).
 *
 * @throws {TypeError} When the platform is neither a string nor an object with `os` and
 * `architecture`; `action` starts the message.
 * @throws {RangeError} When the string is not of the form `os/arch[/variant]`.
 */
export function parsePlatform(platform: string | Platform, action: string): Platform {
  if (typeof platform === "string") {
    const parts = platform.split("/");
    if (parts.length < 2 || parts.length > 3 || parts.some((part) => part.trim() === "")) {
      throw new RangeError(`${action}: platform "${platform}" is not os/arch[/variant]`);
    }
    const [os, architecture, variant] = parts as [string, string, string?];
    return variant ? { os, architecture, variant } : { os, architecture };
  }
  if (
    typeof platform !== "object" || platform === null || typeof platform.os !== "string" ||
    typeof platform.architecture !== "string" || platform.os === "" ||
    platform.architecture === ""
  ) {
    throw new TypeError(
      `${action}: the platform must be "os/arch[/variant]" or { os, architecture }`,
    );
  }
  return platform;
}
