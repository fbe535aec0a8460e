/**
 * Polling with a deadline, for tests that wait on a fact another process makes true (a
 * connection closed, a line logged): the wait ends as soon as it holds, and the deadline only
 * bounds a failure, so no fixed sleep stands in for the proof.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Waits until `done()` holds, asking every 20 ms.
 *
 * @param done The fact waited for.
 * @param ms How long it may take.
 * @param what The failure's message, made when the time is up.
 * @throws {AssertionError} After `ms` without `done()`.
 */
export async function waitUntil(
  done: () => boolean | Promise<boolean>,
  ms: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    assert.ok(Date.now() < deadline, what());
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
