/**
 * Case 4, the podrx side of a save: `image.saveToFile(path)` (by id, like the curl side).
 *
 * Params: `{ socketPath, image, out }`.
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { report } from "../_measure.ts";

const params = JSON.parse(Deno.args[0]!) as { socketPath: string; image: string; out: string };
const client = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
const started = performance.now();
const image = await lastValueFrom(client.images.get(params.image));
const bytes = await lastValueFrom(image.saveToFile(params.out));
const opMs = performance.now() - started;
await client.close();
report({ opMs, bytes });
