/**
 * Finding what a run left behind: processes that still name its directory, in a temp
 * directory of its own that is short enough to hold a Podman service's runroot.
 *
 * @module
 */

/**
 * A fresh, short temp directory in /tmp, for a run's TMPDIR: a service podrx spawns puts its
 * runroot under TMPDIR, and Podman allows a runroot of 50 characters at most, too few for a
 * `Deno.makeTempDir` inside another one.
 *
 * @param prefix Starts the directory's name; keep it short.
 * @returns The directory's path; the caller removes it.
 */
export async function shortTempDir(prefix: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const dir = `/tmp/${prefix}${Math.random().toString(36).slice(2, 6)}`;
    try {
      await Deno.mkdir(dir, { mode: 0o700 });
      return dir;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  throw new Error("no free short temp directory name in /tmp");
}

/**
 * The processes whose command line holds `text`, from /proc.
 *
 * @param text E.g. a run's own temp directory.
 * @returns Each as `pid: command line`.
 */
export async function processesNaming(text: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const line = (await Deno.readTextFile(`/proc/${entry.name}/cmdline`)).replaceAll("\0", " ");
      if (line.includes(text)) found.push(`${entry.name}: ${line}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
