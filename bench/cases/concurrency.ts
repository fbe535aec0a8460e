/**
 * Case 2, concurrency: rounds of `concurrency` simultaneous `get` calls on one client
 * (podrx) or one `Deno.HttpClient` (raw). Counts every failed call.
 *
 * Params: `{ side, socketPath, apiVersion, image, concurrency, rounds, warmup }`.
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { report, summarize } from "../_measure.ts";
import { rawClient } from "./_raw.ts";

const params = JSON.parse(Deno.args[0]!) as {
  side: "podrx" | "raw";
  socketPath: string;
  apiVersion: string;
  image: string;
  concurrency: number;
  rounds: number;
  warmup: number;
};

let call: () => Promise<unknown>;
let close: () => Promise<void>;
if (params.side === "podrx") {
  const client = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
  call = () => lastValueFrom(client.images.get(params.image));
  close = () => client.close();
} else {
  const raw = rawClient(params.socketPath, params.apiVersion);
  const url = raw.url(`/images/${encodeURIComponent(params.image)}/json`);
  call = async () => {
    const response = await fetch(url, { client: raw.http });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.json();
  };
  close = () => Promise.resolve(raw.close());
}

let errors = 0;
const firstErrors: string[] = [];
async function round(): Promise<number> {
  const started = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: params.concurrency }, () => call()),
  );
  const elapsed = performance.now() - started;
  for (const result of results) {
    if (result.status === "rejected") {
      errors++;
      if (firstErrors.length < 3) firstErrors.push(String(result.reason));
    }
  }
  return elapsed;
}

for (let index = 0; index < params.warmup; index++) await round();
errors = 0;
const rounds: number[] = [];
for (let index = 0; index < params.rounds; index++) rounds.push(await round());
await close();
report({
  roundMs: summarize(rounds).median,
  totalMs: rounds.reduce((sum, value) => sum + value, 0),
  errors,
  firstErrors,
});
