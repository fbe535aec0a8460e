/**
 * A Node built-in module (`node:fs`, `node:child_process`, ...), fetched when first used.
 *
 * Not a static `import`: Deno would load every `node:` module at startup (about 60 ms of a
 * cold start here) even though podrx uses Deno's own APIs there. Node (20.16 and later) and
 * Bun hand built-ins out through `process.getBuiltinModule`.
 *
 * @param name The module's name, with its `node:` prefix.
 * @returns The module.
 */
export function nodeBuiltin<T>(name: string): T {
  const process = (globalThis as { process?: { getBuiltinModule?(name: string): unknown } })
    .process;
  const module = process?.getBuiltinModule?.(name);
  if (module === undefined) {
    throw new Error(`podrx needs ${name}, which this runtime does not offer (Node 20.16 or later)`);
  }
  return module as T;
}
