// An Operation is an ordinary cold Observable that also says what it is called and how its
// events make one result; the await twins are made from it. These pin that contract with no
// service: the managers' twins run against the real one in tests/twins/.
import assert from "node:assert/strict";
import { lastValueFrom, mergeAll, of, throwError, toArray } from "rxjs";
import {
  deferredOperation,
  everyEvent,
  lastEvent,
  type Operation,
  pickedEvent,
} from "../../src/async/operation.ts";
import { awaitTwins, optionsIndex } from "../../src/async/twins.ts";
import { PodmanError } from "../../src/errors.ts";

/** A stand-in manager: two operations with options last, and a method that is none. */
class Counter {
  runs = 0;
  count(to: number, _options?: { step?: number }): Operation<number, number[]> {
    return deferredOperation(() => `Cannot count to ${to}`, () => {
      this.runs++;
      return of(...Array.from({ length: to }, (_, i) => i + 1));
    }, everyEvent<number>);
  }
  nothing(_options?: { quiet?: boolean }): Operation<string> {
    return deferredOperation(
      "Cannot say anything",
      () => of<string[]>().pipe(mergeAll()),
      lastEvent<string>,
    );
  }
  label(): string {
    return "counter";
  }
}

Deno.test("an Operation is cold, runs once per subscription, and names itself lazily", async () => {
  const counter = new Counter();
  let named = 0;
  const operation = deferredOperation(() => {
    named++;
    return "Cannot count";
  }, () => {
    counter.runs++;
    return of(1, 2);
  });
  assert.equal(counter.runs, 0, "nothing runs before subscribe");
  assert.equal(named, 0, "the action is made only when asked");
  assert.deepEqual(await lastValueFrom(operation.pipe(toArray())), [1, 2]);
  assert.deepEqual(await lastValueFrom(operation.pipe(toArray())), [1, 2]);
  assert.equal(counter.runs, 2);
  // Named for each run's own errors, and once more when asked.
  assert.equal(named, 2);
  assert.equal(operation.action, "Cannot count");
  assert.equal(named, 3);
});

Deno.test("collect() makes a fresh collector each time; each kind folds as its name says", () => {
  const first = lastEvent<number>("Cannot a");
  const second = lastEvent<number>("Cannot a");
  first.add(1);
  assert.equal(first.result(), 1);
  assert.throws(() => second.result(), (error: unknown) =>
    error instanceof PodmanError &&
    error.message === "Cannot a: the operation completed without a result");
  const every = everyEvent<string>();
  every.add("x");
  every.add("y");
  assert.deepEqual(every.result(), ["x", "y"]);
  const picked = pickedEvent((event: { type: string; id?: string }) =>
    event.type === "done" ? event.id : undefined
  )("Cannot pick");
  picked.add({ type: "progress" });
  picked.add({ type: "done", id: "a" });
  picked.add({ type: "progress" });
  assert.equal(picked.result(), "a");
});

Deno.test("await twins pass the arguments through, show every event and resolve to the result", async () => {
  const counter = new Counter();
  const twins = awaitTwins(counter);
  const seen: number[] = [];
  assert.deepEqual(await twins.count(3, { onProgress: (event) => seen.push(event) }), [1, 2, 3]);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.deepEqual(await twins.count(2), [1, 2]);
  assert.equal(counter.runs, 2);
  assert.equal(twins.count, twins.count, "a twin is made once");
  // No result: the rejection names the operation.
  await assert.rejects(twins.nothing(), {
    name: "PodmanError",
    message: "Cannot say anything: the operation completed without a result",
  });
  // The options' place is read from the method: its last declared parameter.
  assert.equal(optionsIndex(Counter.prototype.count), 1);
  assert.equal(optionsIndex(Counter.prototype.nothing), 0);
});

Deno.test("a twin rejects, never throws: for an error event and for a method that throws", async () => {
  const failing = {
    fails(_options?: object): Operation<never> {
      return deferredOperation("Cannot fail", () => throwError(() => new TypeError("bad")));
    },
    throws(_options?: object): Operation<never> {
      throw new RangeError("thrown");
    },
  };
  const twins = awaitTwins(failing);
  await assert.rejects(twins.fails(), TypeError);
  const rejected = twins.throws();
  assert.ok(rejected instanceof Promise);
  await assert.rejects(rejected, RangeError);
});
