/**
 * The dockerode side of every case of the runtimes bench, on Node: the same operations as
 * podrx_cases.mjs through dockerode's promise API, against Podman's Docker-compatible API on
 * the same socket (paths without /libpod). Times are milliseconds from just before the
 * operation is called to the event named, as on the podrx side.
 *
 * ```sh
 * node dockerode.mjs CASE '{"socketPath": "..."}'
 * ```
 *
 * @module
 */

import Docker from "dockerode";
import { createReadStream, createWriteStream, readdirSync } from "node:fs";
import process from "node:process";
import { pipeline } from "node:stream/promises";
import { bytesWritten, caseArgs, report } from "./_report.mjs";

/**
 * The JSON messages of a Docker progress stream, each as soon as its line is complete; throws
 * on an `error` message, as dockerode's `followProgress` reports it.
 */
async function* messages(stream) {
  let pending = "";
  for await (const chunk of stream) {
    pending += chunk.toString("utf8");
    let end;
    while ((end = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, end).trim();
      pending = pending.slice(end + 1);
      if (line === "") continue;
      const message = JSON.parse(line);
      if (message.error) throw new Error(`dockerode: ${message.error}`);
      yield message;
    }
  }
  if (pending.trim() !== "") yield JSON.parse(pending);
}

const CASES = {
  async firstLog(docker, { context }) {
    let firstLogMs;
    const started = performance.now();
    const stream = await docker.buildImage({ context, src: readdirSync(context) }, {
      nocache: true,
    });
    let built = false;
    for await (const message of messages(stream)) {
      if (typeof message.stream === "string") firstLogMs ??= performance.now() - started;
      if (message.aux?.ID) built = true;
    }
    if (!built || firstLogMs === undefined) throw new Error("no image or no log line");
    return { opMs: performance.now() - started, firstLogMs };
  },

  async context(docker, { context }) {
    const started = performance.now();
    const stream = await docker.buildImage({ context, src: readdirSync(context) });
    let built = false;
    for await (const message of messages(stream)) if (message.aux?.ID) built = true;
    if (!built) throw new Error("the build did not end with an image");
    return { opMs: performance.now() - started, writtenBytes: bytesWritten() };
  },

  async load(docker, { archive }) {
    const started = performance.now();
    const stream = await docker.loadImage(createReadStream(archive));
    let loaded = false;
    for await (const message of messages(stream)) {
      if (typeof message.stream === "string" && message.stream.includes("Loaded image")) {
        loaded = true;
      }
    }
    if (!loaded) throw new Error("nothing loaded");
    return { opMs: performance.now() - started, writtenBytes: bytesWritten() };
  },

  async save(docker, { image, out }) {
    const started = performance.now();
    const stream = await docker.getImage(image).get();
    const file = createWriteStream(out);
    await pipeline(stream, file);
    return { opMs: performance.now() - started, bytes: file.bytesWritten };
  },

  async list(docker, { count }) {
    const started = performance.now();
    let images = 0;
    for (let index = 0; index < count; index++) images = (await docker.listImages()).length;
    return { opMs: performance.now() - started, images };
  },

  async cold(docker) {
    const started = performance.now();
    const images = (await docker.listImages()).length;
    return { opMs: performance.now() - started, images };
  },
};

const { name, params } = caseArgs(process.argv.slice(2));
const docker = new Docker({ socketPath: params.socketPath });
report(await CASES[name](docker, params));
