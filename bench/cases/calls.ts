/**
 * Case 1, per-call overhead: `calls` sequential calls of one operation (after a warm-up),
 * through podrx or through raw `fetch`.
 *
 * Params: `{ side, op: "get"|"exists"|"list"|"history", socketPath, apiVersion, image,
 * calls, warmup, expectList }`.
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { report } from "../_measure.ts";
import { rawClient } from "./_raw.ts";

const params = JSON.parse(Deno.args[0]!) as {
  side: "podrx" | "raw";
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

const { call, close } = params.side === "podrx" ? await podrxCall() : await rawCall();
let last: unknown;
for (let index = 0; index < params.warmup; index++) last = await call();
if (params.op === "list" && (last as unknown[]).length !== params.expectList) {
  throw new Error(
    `list() gave ${(last as unknown[]).length} images, expected ${params.expectList}`,
  );
}
if (params.op === "exists" && last !== true) throw new Error("exists() said false");
const started = performance.now();
for (let index = 0; index < params.calls; index++) await call();
const totalMs = performance.now() - started;
await close();
report({ totalMs, perCallUs: (totalMs * 1000) / params.calls });
