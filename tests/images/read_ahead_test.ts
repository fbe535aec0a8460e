// forEachAhead (src/images/build/_read_ahead.ts): the build context's walk reads entries
// ahead of the one it writes; order, limits and barriers must hold whatever the timing.
import assert from "node:assert/strict";
import fc from "fast-check";
import { forEachAhead } from "../../src/images/build/_read_ahead.ts";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("forEachAhead() uses every item in order, with at most `ahead` loads running, never past a barrier", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ barrier: fc.boolean(), loadMs: fc.nat(3), useMs: fc.nat(2) }), {
        maxLength: 30,
      }),
      fc.integer({ min: 1, max: 6 }),
      async (items, ahead) => {
        const used: number[] = [];
        let running = 0;
        let maxRunning = 0;
        let inBarrierUse = false;
        await forEachAhead(
          items.map((item, index) => ({ ...item, index })),
          ahead,
          (item) => item.barrier,
          async (item) => {
            assert.ok(!inBarrierUse, `item ${item.index} started while a barrier was in use`);
            running++;
            maxRunning = Math.max(maxRunning, running);
            await tick(item.loadMs);
            running--;
            return item.index * 10;
          },
          async (item, loaded) => {
            assert.equal(loaded, item.index * 10);
            used.push(item.index);
            if (item.barrier) {
              assert.equal(running, 0, "loads ran during a barrier's use");
              inBarrierUse = true;
            }
            await tick(item.useMs);
            inBarrierUse = false;
          },
        );
        assert.deepEqual(used, items.map((_, index) => index));
        assert.ok(maxRunning <= ahead, `${maxRunning} loads ran at once, limit ${ahead}`);
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("forEachAhead() throws a load's error at its turn, after the loads still running settle", async () => {
  const settled: number[] = [];
  const used: number[] = [];
  const error = await forEachAhead(
    [0, 1, 2, 3, 4],
    3,
    () => false,
    async (item) => {
      await tick(item === 1 ? 1 : 20);
      settled.push(item);
      if (item === 1) throw new Error("cannot read 1");
      return item;
    },
    (item) => {
      used.push(item);
      return Promise.resolve();
    },
  ).then(() => undefined, (error: unknown) => error);
  assert.ok(error instanceof Error && error.message === "cannot read 1");
  assert.deepEqual(used, [0]);
  // Items 2 and 3 were loading when 1 failed; they settled before the error came out.
  assert.deepEqual([...settled].sort(), [0, 1, 2, 3]);
});
