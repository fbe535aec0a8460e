/**
 * What both sides of the liveness case compute from the log lines they saw: the `RUN` step
 * echoes `first <uptime>`, sleeps 3 s, echoes `second <uptime>`; `/proc/uptime` is the same
 * clock inside the chroot build as outside, so the lag of a line is the uptime when it
 * reached us minus the uptime the step printed (10 ms resolution).
 *
 * @module
 */

/** A line as it arrived: ms since the request started, and the uptime then (seconds). */
export interface ArrivedLine {
  atMs: number;
  uptime: number;
  line: string;
}

/** The Dockerfile of the case; the RUN step is the one the figures are about. */
export const LIVENESS_DOCKERFILE = (base: string): string =>
  `FROM ${base}\n` +
  `RUN echo "first $(cat /proc/uptime)"; sleep 3; echo "second $(cat /proc/uptime)"\n`;

/** The current uptime in seconds, read as the build step reads it. */
export function uptimeNow(): number {
  return Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]);
}

/** The figures of one run. */
export function livenessFigures(lines: readonly ArrivedLine[]): Record<string, number> {
  const find = (word: string): { arrived: ArrivedLine; written: number } => {
    for (const arrived of lines) {
      const match = new RegExp(`^${word} (\\d+\\.\\d+)`).exec(arrived.line);
      if (match) return { arrived, written: Number(match[1]) };
    }
    throw new Error(`no "${word}" line in the build log:\n${lines.map((l) => l.line).join("")}`);
  };
  const first = find("first");
  const second = find("second");
  return {
    firstLogMs: lines[0]!.atMs,
    firstRunLineMs: first.arrived.atMs,
    firstLagMs: (first.arrived.uptime - first.written) * 1000,
    secondLagMs: (second.arrived.uptime - second.written) * 1000,
    gapMs: second.arrived.atMs - first.arrived.atMs,
  };
}
