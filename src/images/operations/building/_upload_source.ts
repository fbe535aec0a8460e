import { useStreamOnce } from "../../../streams/_single_use.ts";
import { type ContextLocation, packContext, packDockerfile } from "./_context.ts";
import type { BuildOptions } from "./build_options.ts";
import { isByteStream } from "./_validate_build_options.ts";

/** A stream option claimed for this subscription; bytes and strings need no claim. */
function claim<T extends ReadableStream<Uint8Array> | Uint8Array | string>(
  value: T,
  what: string,
  action: string,
): T {
  return isByteStream(value) ? useStreamOnce(value, what, action) : value;
}

export interface UploadSource {
  body: ReadableStream<Uint8Array> | Uint8Array;
  dockerfile: string | undefined;
  excludes: readonly string[] | undefined;
  failure(): unknown;
}

const NO_FAILURE = (): unknown => undefined;

/** The context to upload, from whichever source the options give (`location` for `path`). */
export async function uploadSource(
  options: BuildOptions,
  location: ContextLocation | undefined,
  action: string,
  signal: AbortSignal,
): Promise<UploadSource> {
  const { fileobj, customContext, dockerfile } = options;
  if (customContext !== undefined) {
    return {
      body: claim(customContext, "customContext", action),
      dockerfile,
      excludes: undefined,
      failure: NO_FAILURE,
    };
  }
  if (fileobj !== undefined) {
    const name = dockerfile ?? "Dockerfile";
    const body = await packDockerfile(claim(fileobj, "fileobj", action), name);
    return { body, dockerfile: name, excludes: undefined, failure: NO_FAILURE };
  }
  return packContext(location!, action, signal);
}
