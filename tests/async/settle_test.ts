import assert from "node:assert/strict";
import { NEVER, Observable, of, throwError } from "rxjs";
import { abortable, lastOf, settle } from "../../src/async/settle.ts";

/** Counts the listeners added to a signal and not removed since. */
function countListeners(signal: AbortSignal): () => number {
  let listeners = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    listeners++;
    add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    listeners--;
    remove(...args);
  }) as typeof remove;
  return () => listeners;
}

Deno.test("lastOf() resolves with the last value and rejects on an empty completion", async () => {
  assert.equal(await lastOf(of(1, 2, 3), undefined), 3);
  await assert.rejects(lastOf(of(), undefined), /completed without a result/);
  await assert.rejects(lastOf(throwError(() => new RangeError("no")), undefined), RangeError);
});

Deno.test("settle() unsubscribes on abort, rejects with the reason, and leaves no listener", async () => {
  let unsubscribed = false;
  const source = new Observable<number>(() => () => (unsubscribed = true));
  const controller = new AbortController();
  const listeners = countListeners(controller.signal);
  const waiting = settle(source, () => {}, () => "done", controller.signal);
  assert.equal(listeners(), 1);
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, { message: "stop" });
  assert.equal(unsubscribed, true);

  // A run that ends by itself removes its listener.
  const quiet = new AbortController();
  const count = countListeners(quiet.signal);
  const slow = new Observable<number>((subscriber) => {
    const timer = setTimeout(() => {
      subscriber.next(7);
      subscriber.complete();
    }, 5);
    return () => clearTimeout(timer);
  });
  assert.equal(await lastOf(slow, quiet.signal), 7);
  assert.equal(count(), 0);
});

Deno.test("settle() rejects with what onValue throws and stops the source", async () => {
  let unsubscribed = false;
  const source = new Observable<number>((subscriber) => {
    subscriber.next(1);
    return () => (unsubscribed = true);
  });
  await assert.rejects(
    settle(source, () => {
      throw new TypeError("bad value");
    }, () => 0),
    TypeError,
  );
  assert.equal(unsubscribed, true);
});

Deno.test("abortable() rejects at once for an aborted signal and on a later abort", async () => {
  await assert.rejects(abortable(Promise.resolve(1), AbortSignal.abort(new Error("early"))), {
    message: "early",
  });
  const controller = new AbortController();
  const pending = abortable(new Promise<number>(() => {}), controller.signal);
  controller.abort(new Error("late"));
  await assert.rejects(pending, { message: "late" });
  assert.equal(await abortable(Promise.resolve(5), new AbortController().signal), 5);
  // An Observable that never ends is stopped by the signal too.
  await assert.rejects(lastOf(NEVER, AbortSignal.abort(new Error("gone"))), { message: "gone" });
});
