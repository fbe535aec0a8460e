/**
 * What the soak reads from `/proc`: the processes of its run, found by a marker in their
 * environment (every child inherits it, and so do orphans a killed service leaves behind,
 * which no parent-child walk would find), and this process's open file descriptors.
 *
 * @module
 */

/** A process seen in `/proc`. */
export interface ProcessInfo {
  pid: number;
  /** The parent's process id: 1 (or a subreaper's) for an orphan. */
  ppid: number;
  /** The command line, arguments joined by spaces. */
  command: string;
}

const decoder = new TextDecoder();

/**
 * The processes, other than this one, whose environment holds `marker` (`NAME=value`).
 * Zombies have no environment left and are not listed.
 */
export function markedProcesses(marker: string): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    if (pid === Deno.pid) continue;
    try {
      const environ = decoder.decode(Deno.readFileSync(`/proc/${pid}/environ`));
      if (!environ.split("\0").includes(marker)) continue;
      const command = decoder.decode(Deno.readFileSync(`/proc/${pid}/cmdline`))
        .replace(/\0+$/, "").replaceAll("\0", " ");
      // The parent is the 2nd field after the command name, which may hold spaces and ")".
      const stat = decoder.decode(Deno.readFileSync(`/proc/${pid}/stat`));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      found.push({ pid, ppid, command });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

/** This process's open file descriptors and what each points at (`socket:[…]`, a path, …). */
export function openFds(): Map<number, string> {
  const fds = new Map<number, string>();
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      fds.set(Number(entry.name), Deno.readLinkSync(`/proc/self/fd/${entry.name}`));
    } catch {
      // The descriptor that read the directory, closed by now.
    }
  }
  return fds;
}

/**
 * What `after` holds more of than `before`, by kind of descriptor (`socket`, `pipe`, a file's
 * path with temp names and numbers blanked), as `kind before -> after` lines. By kind, not by
 * number: a restarted service's log takes the number its predecessor's had.
 */
export function grownFds(before: Map<number, string>, after: Map<number, string>): string[] {
  const kinds = (fds: Map<number, string>) => {
    const counts = new Map<string, number>();
    for (const target of fds.values()) {
      const kind = target.replace(/:\[\d+\]$/, "").replace(/-[0-9a-f]{8,}\b/g, "-*");
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return counts;
  };
  const was = kinds(before);
  return [...kinds(after)].filter(([kind, count]) => count > (was.get(kind) ?? 0))
    .map(([kind, count]) => `${kind} ${was.get(kind) ?? 0} -> ${count}`);
}
