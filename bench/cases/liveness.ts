/**
 * Case 6, the podrx side: a build whose RUN step prints, sleeps 3 s and prints again; each
 * log event is timestamped as the subscriber gets it.
 *
 * Params: `{ socketPath, base }`.
 *
 * @module
 */

import { lastValueFrom, tap } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { report } from "../_measure.ts";
import { type ArrivedLine, LIVENESS_DOCKERFILE, livenessFigures, uptimeNow } from "./_liveness.ts";

const params = JSON.parse(Deno.args[0]!) as { socketPath: string; base: string };
const client = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
await client.apiVersion();
const lines: ArrivedLine[] = [];
const started = performance.now();
await lastValueFrom(
  client.images.build({ fileobj: LIVENESS_DOCKERFILE(params.base), nocache: true }).pipe(
    tap((event) => {
      if (event.type === "log") {
        lines.push({ atMs: performance.now() - started, uptime: uptimeNow(), line: event.line });
      }
    }),
  ),
);
await client.close();
report(livenessFigures(lines));
