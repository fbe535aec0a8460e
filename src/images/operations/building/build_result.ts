import type { ResultCollector } from "../../../async/operation.ts";
import { PodmanError } from "../../../errors.ts";
import type { BuildEventOf } from "./build_events.ts";
import type { PlatformImageOf } from "./build_manifest.ts";

/** What a build made, as its await twin and a fleet host's result give it. */
export interface BuildResultOf<M> {
  /** The image built; for a multi-platform build, the first platform's. */
  image: M;
  /** The build's log, line by line. */
  log: string[];
  /** The manifest list's name, for a multi-platform build. */
  manifest?: string;
  /** Each platform's image, for a multi-platform build. */
  images?: PlatformImageOf<M>[];
}

/** Folds a build's events into its {@linkcode BuildResultOf}. */
export function buildResult<M>(action: string): ResultCollector<BuildEventOf<M>, BuildResultOf<M>> {
  const log: string[] = [];
  let image: M | undefined;
  let list: { manifest: string; images: PlatformImageOf<M>[] } | undefined;
  return {
    add: (event) => {
      if (event.type === "log") log.push(event.line);
      else if (event.type === "built") image = event.image;
      else {
        image = event.images[0]?.image;
        list = { manifest: event.manifest, images: event.images };
      }
    },
    result: () => {
      if (image === undefined) throw new PodmanError(`${action}: the build ended without an image`);
      return list ? { image, log, ...list } : { image, log };
    },
  };
}
