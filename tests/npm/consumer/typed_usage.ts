/**
 * A TypeScript user's code against the npm build's `.d.ts` files: `tsc -p .` in the installed
 * project (tsconfig.json: Node's types only, no DOM library, `skipLibCheck: false`) fails on
 * a declaration that names a type Node does not have (a `Deno` type, a DOM-only one). Only
 * type-checked, never run; `deno task check` checks the same file against the source.
 *
 * @module
 */

import {
  type BuildOptions,
  ConnectionError,
  type Image,
  isPodmanError,
  PodmanClient,
  type PodmanClientOptions,
  type PushedEvent,
} from "@podrx/podrx";
import { filter, lastValueFrom, map, type Observable } from "rxjs";

/** Builds, then pushes, as a user's deploy script would; the types are the check. */
export async function buildAndPush(socket: string, build: BuildOptions): Promise<PushedEvent> {
  const options: PodmanClientOptions = { baseUrl: `unix://${socket}` };
  await using podman = new PodmanClient(options);
  const logs: Observable<string> = podman.images.build(build).pipe(
    filter((event) => event.type === "log"),
    map((event) => event.line),
  );
  const { image, log }: { image: Image; log: string[] } = await podman.images.promises.build({
    ...build,
    signal: AbortSignal.timeout(60_000),
  });
  void logs;
  void log;
  try {
    return await podman.images.promises.push(image.tags[0] ?? image.id, { tlsVerify: false });
  } catch (error) {
    if (isPodmanError(error) && error instanceof ConnectionError) throw error.cause;
    throw error;
  }
}

/** The list as a user would turn it into names. */
export async function imageNames(podman: PodmanClient): Promise<string[]> {
  const images = await lastValueFrom(podman.images.list());
  return images.flatMap((image) => image.tags);
}
