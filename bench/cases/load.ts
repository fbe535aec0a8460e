/**
 * Case 3, the podrx side of a load: `images.load(path)` of an archive on disk; and both sides
 * of case `local`, the archive read in place (`via: "local"`) against its upload.
 *
 * Params: `{ socketPath, archive, via }`.
 *
 * @module
 */

import { lastValueFrom, toArray } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { report } from "../_measure.ts";

const params = JSON.parse(Deno.args[0]!) as {
  socketPath: string;
  archive: string;
  via: "upload" | "local";
};
const client = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
const started = performance.now();
const images = await lastValueFrom(
  client.images.load(params.archive, { via: params.via }).pipe(toArray()),
);
const opMs = performance.now() - started;
await client.close();
report({ opMs, images: images.map((image) => image.tags.join(",") || image.shortId) });
