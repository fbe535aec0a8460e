/**
 * Case 9, cold start (podrx): import podrx, connect, one `get`, close. Timed as a whole
 * process by the runner.
 *
 * Params: `{ socketPath, image }`.
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";

const params = JSON.parse(Deno.args[0]!) as { socketPath: string; image: string };
const client = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
const image = await lastValueFrom(client.images.get(params.image));
await client.close();
if (!image.id) throw new Error("no image");
