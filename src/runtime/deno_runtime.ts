/**
 * The runtime seam on Deno: Deno's own APIs, nearly as they are. Only ever called on Deno, so
 * nothing here touches `Deno` when the module loads.
 *
 * @module
 */
import type { Files } from "./files.ts";
import type { Host } from "./host.ts";
import type { CommandOptions, Processes } from "./processes.ts";

/** Files, processes and host, on Deno. */
export function denoRuntime(): { files: Files; processes: Processes; host: Host } {
  return { files: denoFiles(), processes: denoProcesses(), host: denoHost() };
}

function denoFiles(): Files {
  return {
    stat: (path) => Deno.stat(path),
    statSync: (path) => Deno.statSync(path),
    lstat: (path) => Deno.lstat(path),
    lstatSync: (path) => Deno.lstatSync(path),
    realPath: (path) => Deno.realPath(path),
    readTextFile: (path) => Deno.readTextFile(path),
    readTextFileSync: (path) => Deno.readTextFileSync(path),
    readFileSync: (path) => Deno.readFileSync(path),
    readLinkSync: (path) => Deno.readLinkSync(path),
    readDir: (path) => Deno.readDir(path),
    mkdir: (path, options) => Deno.mkdir(path, options),
    makeTempDir: (options) => Deno.makeTempDir(options),
    rename: (from, to) => Deno.rename(from, to),
    remove: (path, options) => Deno.remove(path, options),
    removeSync: (path, options) => Deno.removeSync(path, options),
    open: (path, options) => Deno.open(path, options),
  };
}

function command(program: string, options: CommandOptions): Deno.Command {
  return new Deno.Command(program, { ...options, args: [...(options.args ?? [])] });
}

function denoProcesses(): Processes {
  return {
    // Deno throws at once when the program cannot start; the seam rejects instead.
    spawn: (program, options) => {
      try {
        return Promise.resolve(command(program, options).spawn());
      } catch (error) {
        return Promise.reject(error);
      }
    },
    output: (program, options) => command(program, options).output(),
    outputSync: (program, options) => command(program, options).outputSync(),
  };
}

// Deno's events for the ways a script ends: its work is done or it called `Deno.exit`
// ("unload"), or an error nobody handled ends it.
const ENDINGS = ["unload", "error", "unhandledrejection"] as const;

function denoHost(): Host {
  return {
    os: Deno.build.os,
    pid: Deno.pid,
    env: (name) => Deno.env.get(name),
    uid: () => Deno.uid(),
    cwd: () => Deno.cwd(),
    addSignalListener: (signal, listener) => Deno.addSignalListener(signal, listener),
    removeSignalListener: (signal, listener) => Deno.removeSignalListener(signal, listener),
    kill: (pid, signal) => Deno.kill(pid, signal),
    onExit: (listener) => {
      // A handler of the user's that prevents the default keeps the script alive.
      const onEnding = (event: Event): void => {
        if (!event.defaultPrevented) listener();
      };
      for (const type of ENDINGS) globalThis.addEventListener(type, onEnding);
      return () => {
        for (const type of ENDINGS) globalThis.removeEventListener(type, onEnding);
      };
    },
    mayWrite: (path) => Deno.permissions.querySync({ name: "write", path }).state === "granted",
    stderr: () => Deno.stderr,
    terminalColumns: () => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return undefined; // Not a terminal, or no permission to ask.
      }
    },
  };
}
