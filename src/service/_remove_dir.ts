/**
 * Removing a daemon's temp directory, including what image storage leaves behind in it:
 * read-only layer directories and mounts. With a synchronous variant for an `unload`
 * listener.
 *
 * @module
 */
import { isNotFound } from "../runtime/file_errors.ts";
import { files, processes } from "../runtime/runtime.ts";

/** Options for {@linkcode removeDir} and {@linkcode removeDirSync}. */
export interface RemoveDirOptions {
  /**
   * A Podman program to run `rm -rf` in its user namespace (`podman unshare`) when the user
   * cannot remove a file: a rootless Podman's storage holds files owned by the user's
   * subordinate ids, which only that namespace may delete.
   */
  unshareWith?: string | undefined;
}

/**
 * Removes a directory tree, falling back to `rm -rf` for what `Deno.remove` cannot delete
 * (read-only directories inside image layers, leftover mounts), and then to `rm -rf` inside
 * a rootless Podman's user namespace.
 *
 * @param dir The directory to remove; a missing directory is not an error.
 * @param options Where to turn for files owned by subordinate ids.
 * @throws {Error} When `rm -rf` fails too.
 */
export async function removeDir(dir: string, options: RemoveDirOptions = {}): Promise<void> {
  try {
    await files.remove(dir, { recursive: true });
    return;
  } catch (error) {
    if (isNotFound(error)) return;
  }
  for (const point of mountPointsBelow(dir, await readMountInfo())) {
    await processes.output("umount", { args: ["-l", point], stdout: "null", stderr: "null" })
      .catch(() => undefined);
  }
  const { code, stderr } = await processes.output("rm", {
    args: ["-rf", "--one-file-system", dir],
    stdout: "null",
    stderr: "piped",
  });
  if (code === 0) return;
  if (options.unshareWith !== undefined) {
    const unshared = await processes.output(options.unshareWith, {
      args: unshareArgs(dir),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).catch(() => undefined);
    if (unshared?.code === 0) return;
  }
  throw new Error(
    `Cannot remove ${dir}: rm -rf exited with ${code}: ${new TextDecoder().decode(stderr)}`,
  );
}

/** `podman unshare rm -rf DIR`: the user namespace of rootless Podman, where it owns all. */
function unshareArgs(dir: string): string[] {
  return ["unshare", "rm", "-rf", "--one-file-system", dir];
}

/**
 * {@linkcode removeDir}, synchronously and without throwing, for an `unload` listener.
 *
 * @param dir The directory to remove.
 * @param options Where to turn for files owned by subordinate ids.
 */
export function removeDirSync(dir: string, options: RemoveDirOptions = {}): void {
  try {
    files.removeSync(dir, { recursive: true });
    return;
  } catch (error) {
    if (isNotFound(error)) return;
  }
  try {
    let mountinfo = "";
    try {
      mountinfo = files.readTextFileSync("/proc/self/mountinfo");
    } catch {
      // No /proc: nothing to unmount that we could find.
    }
    for (const point of mountPointsBelow(dir, mountinfo)) {
      processes.outputSync("umount", { args: ["-l", point], stdout: "null", stderr: "null" });
    }
    const { code } = processes.outputSync("rm", {
      args: ["-rf", "--one-file-system", dir],
      stdout: "null",
      stderr: "null",
    });
    if (code !== 0 && options.unshareWith !== undefined) {
      processes.outputSync(options.unshareWith, {
        args: unshareArgs(dir),
        stdin: "null",
        stdout: "null",
        stderr: "null",
      });
    }
  } catch {
    // Last-chance cleanup: nothing is left to report to.
  }
}

async function readMountInfo(): Promise<string> {
  try {
    return await files.readTextFile("/proc/self/mountinfo");
  } catch {
    return "";
  }
}

/**
 * Mount points below `dir`, deepest first, so that they can be unmounted lazily before
 * `rm -rf`, which would otherwise stop at a busy mount point or, worse, descend into a
 * mounted filesystem.
 */
function mountPointsBelow(dir: string, mountinfo: string): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  return mountinfo
    .split("\n")
    // Field 5 is the mount point, with spaces and the like written as octal escapes.
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => point !== undefined)
    .map((point) =>
      point.replace(/\\([0-7]{3})/g, (_, oct) => String.fromCharCode(parseInt(oct, 8)))
    )
    .filter((point) => point.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}
