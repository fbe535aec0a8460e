/**
 * Case 1, per-call overhead: `calls` sequential calls of one operation through podrx and as
 * many through raw `fetch` (each side with its own connection), after a warm-up of each. The
 * two sides take turns call by call, so whatever the shared machine does meanwhile (Podman's
 * own garbage collection, other processes) falls on both alike; each call is timed alone.
 *
 * Params: `{ op: "get"|"exists"|"list"|"history", socketPath, apiVersion, image, calls,
 * warmup, expectList }`.
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { report } from "../_measure.ts";
import { rawClient } from "./_raw.ts";

const params = JSON.parse(Deno.args[0]!) as {
  op: "get" | "exists" | "list" | "history";
  socketPath: string;
  apiVersion: string;
  image: string;
  calls: number;
  warmup: number;
  expectList: number;
};

async function podrxCall(): Promise<{ call: () => Promise<unknown>; close: () => Promise<void> }> {
  const client = new PodmanClient({ baseUrl: `unix://${params.socketPath}` });
  const image = await lastValueFrom(client.images.get(params.image));
  const calls = {
    get: () => lastValueFrom(client.images.get(params.image)),
    exists: () => lastValueFrom(client.images.exists(params.image)),
    list: () => lastValueFrom(client.images.list()),
    history: () => lastValueFrom(image.history()),
  };
  return { call: calls[params.op], close: () => client.close() };
}

async function rawCall(): Promise<{ call: () => Promise<unknown>; close: () => Promise<void> }> {
  const raw = rawClient(params.socketPath, params.apiVersion);
  const name = encodeURIComponent(params.image);
  const first = await fetch(raw.url(`/images/${name}/json`), { client: raw.http });
  const id = ((await first.json()) as { Id: string }).Id;
  async function json(path: string): Promise<unknown> {
    const response = await fetch(raw.url(path), { client: raw.http });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.json();
  }
  const calls = {
    get: () => json(`/images/${name}/json`),
    exists: async () => {
      const response = await fetch(raw.url(`/images/${name}/exists`), { client: raw.http });
      await response.arrayBuffer();
      return response.status === 204;
    },
    list: () => json("/images/json"),
    history: () => json(`/images/${id}/history`),
  };
  return { call: calls[params.op], close: () => Promise.resolve(raw.close()) };
}

function check(last: unknown): void {
  if (params.op === "list" && (last as unknown[]).length !== params.expectList) {
    throw new Error(
      `list() gave ${(last as unknown[]).length} images, expected ${params.expectList}`,
    );
  }
  if (params.op === "exists" && last !== true) throw new Error("exists() said false");
}

const podrx = await podrxCall();
const raw = await rawCall();
for (let index = 0; index < params.warmup; index++) {
  check(await podrx.call());
  check(await raw.call());
}
let podrxMs = 0;
let rawMs = 0;
for (let index = 0; index < params.calls; index++) {
  // Who goes first alternates too.
  const order = index % 2 === 0 ? [podrx, raw] : [raw, podrx];
  for (const side of order) {
    const started = performance.now();
    await side.call();
    const ms = performance.now() - started;
    if (side === podrx) podrxMs += ms;
    else rawMs += ms;
  }
}
await podrx.close();
await raw.close();
report({
  podrxPerCallUs: (podrxMs * 1000) / params.calls,
  rawPerCallUs: (rawMs * 1000) / params.calls,
});
