/** Options for {@linkcode fanOut}. */
export interface FanOutOptions {
  /** Told of each chunk as it is handed to a branch, e.g. to count a host's bytes. */
  delivered?: (branch: number, chunk: Uint8Array) => void;
}

interface Waiter {
  controller: ReadableStreamDefaultController<Uint8Array>;
  resume: () => void;
}

/**
 * Splits one byte stream into `count` streams that each get every chunk, reading the source
 * once and only as fast as the slowest branch: a chunk is read only after every live branch
 * has asked for the next one. Memory is one chunk, shared by all branches (never copied).
 *
 * Not `ReadableStream.tee()`: a tee reads as fast as its fastest branch and queues
 * everything for the slower one, so memory grows with the gap between hosts.
 *
 * A cancelled branch drops out, and the others go on without waiting for it; once every
 * branch is cancelled the source is cancelled. A source error errors every live branch.
 */
export function fanOut(
  source: ReadableStream<Uint8Array>,
  count: number,
  options: FanOutOptions = {},
): ReadableStream<Uint8Array>[] {
  const reader = source.getReader();
  const live = new Set<number>();
  const waiting = new Map<number, Waiter>();
  let reading = false;
  let ended: { error: unknown } | "done" | undefined;

  const settle = (waiters: Waiter[], act: (waiter: Waiter) => void): void => {
    for (const waiter of waiters) {
      try {
        act(waiter);
      } finally {
        waiter.resume();
      }
    }
  };

  const readWhenAllAsked = (): void => {
    if (reading || ended !== undefined || live.size === 0 || waiting.size < live.size) return;
    reading = true;
    reader.read().then(
      ({ done, value }) => {
        reading = false;
        const entries = [...waiting];
        waiting.clear();
        if (done) {
          ended = "done";
          settle(entries.map(([, waiter]) => waiter), (waiter) => waiter.controller.close());
          return;
        }
        for (const [branch, waiter] of entries) {
          options.delivered?.(branch, value);
          try {
            waiter.controller.enqueue(value);
          } finally {
            waiter.resume();
          }
        }
      },
      (error: unknown) => {
        reading = false;
        ended = { error };
        const waiters = [...waiting.values()];
        waiting.clear();
        settle(waiters, (waiter) => waiter.controller.error(error));
      },
    );
  };

  if (count === 0) {
    reader.cancel().catch(() => {});
    return [];
  }
  const branches: ReadableStream<Uint8Array>[] = [];
  for (let branch = 0; branch < count; branch++) {
    live.add(branch);
    branches.push(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (ended === "done") {
            controller.close();
            return;
          }
          if (ended !== undefined) {
            controller.error(ended.error);
            return;
          }
          return new Promise<void>((resume) => {
            waiting.set(branch, { controller, resume });
            readWhenAllAsked();
          });
        },
        cancel() {
          live.delete(branch);
          const waiter = waiting.get(branch);
          waiting.delete(branch);
          waiter?.resume();
          if (live.size === 0) {
            reader.cancel().catch(() => {});
            return;
          }
          // The branch that left may have been the last one the others were waiting for.
          readWhenAllAsked();
        },
      }, { highWaterMark: 0 }),
    );
  }
  return branches;
}
