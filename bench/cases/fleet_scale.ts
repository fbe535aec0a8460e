/**
 * Fleet scale case: `fleet.images.list()`, then `fleet.images.pull()` of a small image, on every service
 * given, each host accounted for (`done` or `failed`).
 *
 * Params: `{ sockets, reference }`.
 *
 * @module
 */

import { lastValueFrom, type Observable, tap } from "rxjs";
import { Fleet, FleetError, type FleetEvent } from "../../mod.ts";
import { report } from "../_measure.ts";

const params = JSON.parse(Deno.args[0]!) as { sockets: string[]; reference: string };
await using fleet = new Fleet(params.sockets.map((socket) => `unix://${socket}`));

/** How many hosts ended `done` and `failed`, and how long the whole operation took. */
async function outcomes<E, R>(
  operation: Observable<FleetEvent<E, R>>,
): Promise<{ ms: number; done: number; failed: number }> {
  let done = 0;
  let failed = 0;
  const started = performance.now();
  await lastValueFrom(
    operation.pipe(tap((event) => {
      if (event.type === "done") done++;
      if (event.type === "failed") failed++;
    })),
    { defaultValue: undefined },
  ).catch((error: unknown) => {
    // The failed hosts are counted above; the FleetError only names them again.
    if (!(error instanceof FleetError)) throw error;
  });
  return { ms: performance.now() - started, done, failed };
}

const list = await outcomes(fleet.images.list());
const pull = await outcomes(fleet.images.pull(params.reference, { tlsVerify: false }));
report({ hosts: params.sockets.length, list, pull });
