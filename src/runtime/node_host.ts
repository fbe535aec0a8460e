/**
 * The host seam on Node and Bun, over `process`.
 *
 * @module
 */
import type * as Fs from "node:fs";
import type { Host } from "./host.ts";
import { nodeBuiltin } from "./node_builtin.ts";

interface NodeProcess {
  readonly platform: string;
  readonly pid: number;
  readonly env: Record<string, string | undefined>;
  readonly stderr: { isTTY?: boolean; columns?: number };
  getuid?(): number;
  cwd(): string;
  on(event: string, listener: () => void): void;
  off(event: string, listener: () => void): void;
  kill(pid: number, signal: string): void;
}

/** The host on Node and Bun. */
export function nodeHost(): Host {
  const process = (globalThis as unknown as { process: NodeProcess }).process;
  return {
    os: process.platform === "win32" ? "windows" : process.platform,
    pid: process.pid,
    env: (name) => process.env[name],
    uid: () => process.getuid?.() ?? null,
    cwd: () => process.cwd(),
    addSignalListener: (signal, listener) => process.on(signal, listener),
    removeSignalListener: (signal, listener) => process.off(signal, listener),
    kill: (pid, signal) => process.kill(pid, signal),
    // Node emits "exit" when the work is done, on `process.exit()`, and after an uncaught
    // error has been printed; only synchronous work runs then, which is what `listener` does.
    onExit: (listener) => {
      process.on("exit", listener);
      return () => process.off("exit", listener);
    },
    // Node has no permissions of Deno's kind (its --permission model throws when used).
    mayWrite: () => true,
    stderr: () => {
      const fs = nodeBuiltin<typeof Fs>("node:fs");
      return {
        isTerminal: () => process.stderr.isTTY === true,
        writeSync: (bytes) => fs.writeSync(2, bytes),
      };
    },
    terminalColumns: () => process.stderr.columns,
  };
}
