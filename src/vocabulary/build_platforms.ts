import { parsePlatform, type Platform } from "./platform.ts";

// The operating systems and architectures Go (and so every OCI tool) names; Podman accepts
// any string and builds an image labelled with it, so a typo would go unnoticed.
const KNOWN_OS: ReadonlySet<string> = new Set([
  "aix",
  "android",
  "darwin",
  "dragonfly",
  "freebsd",
  "illumos",
  "ios",
  "js",
  "linux",
  "netbsd",
  "openbsd",
  "plan9",
  "solaris",
  "wasip1",
  "windows",
]);
const KNOWN_ARCHITECTURES: ReadonlySet<string> = new Set([
  "386",
  "amd64",
  "arm",
  "arm64",
  "loong64",
  "mips",
  "mips64",
  "mips64le",
  "mipsle",
  "ppc64",
  "ppc64le",
  "riscv64",
  "s390x",
  "wasm",
]);

/** The `platform` build option as a list (it takes one platform or several). */
export function buildPlatforms(platform: string | readonly string[] | undefined): string[] {
  if (platform === undefined) return [];
  return typeof platform === "string" ? [platform] : [...platform];
}

/**
 * Checks every platform of a build: `os/arch[/variant]`, with an OS and architecture Go knows,
 * each once. Podman itself takes any text (and Podman 4.3 reads `linux/amd64,linux/arm64` as
 * one platform with architecture `amd64,linux`), so the check happens here.
 *
 * @throws {TypeError} For a platform that is not a string, or several in one string.
 * @throws {RangeError} For a platform that is not `os/arch[/variant]` (the architecture
 * cannot be left out here), an unknown OS or architecture, or a platform given twice.
 */
export function validateBuildPlatforms(platforms: readonly string[], action: string): Platform[] {
  const seen = new Set<string>();
  return platforms.map((text) => {
    if (typeof text !== "string" || text.includes(",")) {
      throw new TypeError(`${action}: give each platform as its own entry, got "${text}"`);
    }
    const parsed = parsePlatform(text, action);
    // A build names what it makes: the list needs each image's architecture.
    if (parsed.architecture === undefined) {
      throw new RangeError(
        `${action}: platform "${text}" names no architecture: a build needs os/arch`,
      );
    }
    const platform: Platform = { ...parsed, architecture: parsed.architecture };
    if (!KNOWN_OS.has(platform.os)) {
      throw new RangeError(
        `${action}: unknown platform "${text}": OS "${platform.os}" is not one of ${
          [...KNOWN_OS].join(", ")
        }`,
      );
    }
    if (!KNOWN_ARCHITECTURES.has(platform.architecture)) {
      throw new RangeError(
        `${action}: unknown platform "${text}": architecture "${platform.architecture}" is not ` +
          `one of ${[...KNOWN_ARCHITECTURES].join(", ")}`,
      );
    }
    if (seen.has(text)) throw new RangeError(`${action}: platform "${text}" is given twice`);
    seen.add(text);
    return platform;
  });
}

// Podman prefixes the lines of a multi-platform build with `[os/arch] ` or `[os/arch/variant] `.
const PLATFORM_PREFIX = /^\[([a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?)\] /;

/** The platform a build log line comes from, when Podman tagged it. */
export function logLinePlatform(line: string): string | undefined {
  return PLATFORM_PREFIX.exec(line)?.[1];
}
