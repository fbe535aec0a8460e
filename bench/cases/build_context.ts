/**
 * Case 5, the podrx side of a build with a big context: `images.build({ path })`.
 *
 * Params: `{ socketPath, context }`.
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { report } from "../_measure.ts";

const params = JSON.parse(Deno.args[0]!) as { socketPath: string; context: string };
const client = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
const started = performance.now();
const last = await lastValueFrom(client.images.build({ path: params.context }));
const opMs = performance.now() - started;
await client.close();
if (last.type !== "built") throw new Error("the build did not end with an image");
report({ opMs, image: last.image.id });
