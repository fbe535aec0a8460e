import type { BuiltManifestEventOf } from "./build_manifest.ts";

/** A line of build output, live. */
export interface BuildLogEvent {
  /** Discriminant. */
  type: "log";
  /**
   * One line of output, as the server wrote it: ending with `\n` (`\r\n` where the build
   * wrote that), except a last line the server left unterminated. The server may pack many
   * lines into one message or split one over two; podrx emits exactly one event per line.
   */
  line: string;
  /** In a multi-platform build, the platform the line comes from (Podman's `[os/arch]` prefix). */
  platform?: string;
}

/** The last event of a successful build, with the model `M` (`Image`) of what was built. */
export interface BuiltEventOf<M> {
  /** Discriminant. */
  type: "built";
  /** The image built. */
  image: M;
}

/**
 * What `build()` emits: log lines as the server writes them, then `built`, or
 * `builtManifest` for a build into a manifest list.
 */
export type BuildEventOf<M> = BuildLogEvent | BuiltEventOf<M> | BuiltManifestEventOf<M>;
