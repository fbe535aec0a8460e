/** A platform: `os`, `architecture` and optionally `variant`. */
export interface Platform {
  /** Operating system, e.g. `linux`. */
  os: string;
  /** CPU architecture, e.g. `amd64`. */
  architecture: string;
  /** Architecture variant, e.g. `v8`. */
  variant?: string;
}

/** A platform as asked for: a part left out (`architecture`, `variant`) means any. */
export interface PlatformPattern {
  /** Operating system, e.g. `linux`. */
  os: string;
  /** CPU architecture; any when left out. */
  architecture?: string;
  /** Architecture variant; any when left out. */
  variant?: string;
}

/**
 * Reads a platform, `os[/arch[/variant]]` or an object: the one rule for every option and
 * method that takes a platform (`pull`'s `platform`, `RegistryData.hasPlatform`, build's
 * platforms, which also need the architecture). A part left out means any, as podman-py's
 * `pull(platform="linux")` sends only the OS.
 *
 * @throws {TypeError} When the platform is neither a string nor an object with `os` and
 * `architecture`; `action` starts the message.
 * @throws {RangeError} When the string is not of the form `os[/arch[/variant]]`.
 */
export function parsePlatform(platform: string | Platform, action: string): PlatformPattern {
  if (typeof platform === "string") {
    const parts = platform.split("/");
    if (parts.length > 3 || parts.some((part) => part.trim() === "")) {
      throw new RangeError(`${action}: platform "${platform}" is not os[/arch[/variant]]`);
    }
    const [os, architecture, variant] = parts as [string, string?, string?];
    return {
      os,
      ...(architecture === undefined ? {} : { architecture }),
      ...(variant === undefined ? {} : { variant }),
    };
  }
  if (
    typeof platform !== "object" || platform === null || typeof platform.os !== "string" ||
    typeof platform.architecture !== "string" || platform.os === "" ||
    platform.architecture === ""
  ) {
    throw new TypeError(
      `${action}: the platform must be "os[/arch[/variant]]" or { os, architecture }`,
    );
  }
  return platform;
}
