/**
 * Runs `load` on the items up to `ahead` at a time, and `use` on each result in the items'
 * order. File system calls are slow one by one (each waits on a thread); a build context of
 * thousands of small files spends most of its packing time waiting, so the next files are
 * stat'ed and read while the current one is written.
 *
 * Loading stops at a `barrier` item (a directory, whose `use` walks into it) until that item
 * has been used, so nested walks never have loads of their parents running.
 *
 * On an error, loads still running are waited for (they may hold open files) before it is
 * thrown.
 */
export async function forEachAhead<T, R>(
  items: readonly T[],
  ahead: number,
  barrier: (item: T) => boolean,
  load: (item: T) => Promise<R>,
  use: (item: T, loaded: R) => Promise<void>,
): Promise<void> {
  type Settled = { ok: true; value: R } | { ok: false; error: unknown };
  const running: Promise<Settled>[] = [];
  let next = 0;
  // A barrier has been started and not yet used: nothing after it may start.
  let blocked = false;
  const startLoads = (): void => {
    while (!blocked && next < items.length && running.length < ahead) {
      const item = items[next++]!;
      running.push(
        load(item).then((value) => ({ ok: true, value }), (error) => ({ ok: false, error })),
      );
      if (barrier(item)) blocked = true;
    }
  };
  try {
    for (let index = 0; index < items.length; index++) {
      startLoads();
      const settled = await running.shift()!;
      if (!settled.ok) throw settled.error;
      // The freed place loads the next item while this one is used.
      startLoads();
      const item = items[index]!;
      await use(item, settled.value);
      if (barrier(item)) blocked = false;
    }
  } finally {
    await Promise.all(running);
  }
}
