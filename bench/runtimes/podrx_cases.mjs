/**
 * The podrx side of every case of the runtimes bench, the same code on Node, Bun and Deno: the
 * entry script of each runtime (podrx_npm.mjs, podrx_deno.ts) imports podrx its own way and
 * passes it here. Each case prints one `BENCH {json}` line; times are milliseconds from just
 * before the operation is called (the client is made, nothing sent yet) to the event named.
 *
 * @module
 */

import { lastValueFrom, tap, toArray } from "rxjs";
import { bytesWritten, report } from "./_report.mjs";

/** Runs case `name` with `params` on `podrx` (the package's exports). */
export async function runCase(podrx, name, params) {
  const client = new podrx.PodmanClient({ baseUrl: `unix://${params.socketPath}` });
  try {
    report(await CASES[name](client, params));
  } finally {
    await client.close();
  }
}

const CASES = {
  /** An uncached build of a small context: when its first log line arrives, and `built`. */
  async firstLog(client, { context }) {
    let firstLogMs;
    const started = performance.now();
    const last = await lastValueFrom(
      client.images.build({ path: context, nocache: true }).pipe(
        tap((event) => {
          if (event.type === "log") firstLogMs ??= performance.now() - started;
        }),
      ),
    );
    if (last.type !== "built" || firstLogMs === undefined) throw new Error("no log line");
    return { opMs: performance.now() - started, firstLogMs };
  },

  /** A build of a big context (a directory): time to the `built` event, bytes written. */
  async context(client, { context }) {
    const started = performance.now();
    const last = await lastValueFrom(client.images.build({ path: context }));
    if (last.type !== "built") throw new Error("the build did not end with an image");
    return { opMs: performance.now() - started, writtenBytes: bytesWritten() };
  },

  /** A load of an archive on disk, uploaded (as curl and dockerode do). */
  async load(client, { archive }) {
    const started = performance.now();
    const images = await lastValueFrom(
      client.images.load(archive, { via: "upload" }).pipe(toArray()),
    );
    if (images.length === 0) throw new Error("nothing loaded");
    return { opMs: performance.now() - started, writtenBytes: bytesWritten() };
  },

  /** A save of an image, by id, to a file. */
  async save(client, { image, out }) {
    const started = performance.now();
    const model = await lastValueFrom(client.images.get(image));
    const bytes = await lastValueFrom(model.saveToFile(out));
    return { opMs: performance.now() - started, bytes };
  },

  /** `count` list calls one after the other on one client. */
  async list(client, { count }) {
    const started = performance.now();
    let images = 0;
    for (let index = 0; index < count; index++) {
      images = (await lastValueFrom(client.images.list())).length;
    }
    return { opMs: performance.now() - started, images };
  },

  /** One list; the runner times the whole process. */
  async cold(client) {
    const started = performance.now();
    const images = (await lastValueFrom(client.images.list())).length;
    return { opMs: performance.now() - started, images };
  },
};
