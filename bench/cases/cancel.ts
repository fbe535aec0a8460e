/**
 * Case 7, cancellation: a fake server (tests/fake/fake_podman.ts) answers a pull with a
 * body that stays silent and notes the moment its stream is cancelled, which is when the
 * server sees the connection go. Each iteration starts a request, lets it sit silent for
 * `silenceMs`, then unsubscribes (podrx) or aborts (raw fetch), and records:
 *
 * - `cancelMs`: unsubscribe/abort to the server's cancel;
 * - `connectMs`: request start to the server's handler seeing the request, i.e. what a new
 *   request costs after the earlier cancellations (the next request starts `pauseMs` after
 *   the server saw the previous one go).
 *
 * Params: `{ side, iterations, silenceMs, pauseMs, budgetMs }`: stops early, after fewer
 * iterations, once `budgetMs` have passed (stalled connections can take seconds each).
 *
 * @module
 */

import { silentBody, startFakePodman } from "../../tests/fake/fake_podman.ts";
import { report } from "../_measure.ts";

const params = JSON.parse(Deno.args[0]!) as {
  side: "podrx" | "raw";
  iterations: number;
  silenceMs: number;
  pauseMs: number;
  budgetMs: number;
};

let onRequest: ((at: number) => void) | undefined;
let onCancel: ((at: number) => void) | undefined;
const fake = await startFakePodman(() => {
  onRequest?.(performance.now());
  const { body, cancelled } = silentBody();
  cancelled.then(() => onCancel?.(performance.now()));
  return new Response(body, { headers: { "Content-Type": "application/json" } });
});
const http = Deno.createHttpClient({ proxy: { transport: "unix", path: fake.socketPath } });
// Connects podrx's client (it reads the version from `/_ping`) before the first iteration.
const apiVersion = await fake.client.apiVersion();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
    }),
  ]);
}

const connectMs: number[] = [];
const cancelMs: number[] = [];
const begun = performance.now();
for (let index = 0; index < params.iterations; index++) {
  if (performance.now() - begun > params.budgetMs) break;
  const seen = new Promise<number>((resolve) => (onRequest = resolve));
  const cancelled = new Promise<number>((resolve) => (onCancel = resolve));
  const started = performance.now();
  let stop: () => void;
  if (params.side === "podrx") {
    const subscription = fake.client.images.pull("localhost/bench/silent:1").subscribe({
      error: (error) => {
        throw new Error(`The pull failed before it was cancelled: ${error}`);
      },
    });
    stop = () => subscription.unsubscribe();
  } else {
    const controller = new AbortController();
    fetch(`http://libpod/v${apiVersion}/libpod/images/pull?reference=x`, {
      method: "POST",
      client: http,
      signal: controller.signal,
    }).then((response) => response.body!.getReader().read()).catch(() => {});
    stop = () => controller.abort();
  }
  const seenAt = await within(seen, 30_000, "the request");
  connectMs.push(seenAt - started);
  await sleep(params.silenceMs);
  const stoppedAt = performance.now();
  stop();
  cancelMs.push((await within(cancelled, 30_000, "the cancellation")) - stoppedAt);
  if (params.pauseMs > 0) await sleep(params.pauseMs);
}
http.close();
await fake.close();
report({ connectMs, cancelMs });
