import { host } from "../runtime/runtime.ts";
/**
 * An environment variable, or `undefined` when unset, empty, or not readable: without
 * `--allow-env` discovery and connection lookup go on without it.
 */
export function readEnv(name: string): string | undefined {
  try {
    return host.env(name) || undefined;
  } catch {
    return undefined;
  }
}
