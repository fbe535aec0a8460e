import type { Image } from "./image.ts";
import type { BuildEventOf, BuiltEventOf } from "./operations/building/build_events.ts";
import type { BuiltManifestEventOf } from "./operations/building/build_manifest.ts";
import type { PulledEventOf, PullEventOf } from "./operations/pull.ts";

/** The last event of a successful pull: the {@linkcode Image}(s) now stored. */
export type PulledEvent = PulledEventOf<Image>;

/** What `images.pull()` emits: status lines and layer progress as they arrive, then `pulled`. */
export type PullEvent = PullEventOf<Image>;

/** The last event of a successful build: the {@linkcode Image} built. */
export type BuiltEvent = BuiltEventOf<Image>;

/** The last event of a build into a manifest list: each platform's {@linkcode Image}. */
export type BuiltManifestEvent = BuiltManifestEventOf<Image>;

/** What `images.build()` emits: log lines as the server writes them, then `built`. */
export type BuildEvent = BuildEventOf<Image>;
