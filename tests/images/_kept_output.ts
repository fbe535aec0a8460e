/**
 * RUN output a build test can rely on. Buildah's chroot isolation (the bed's) can drop the
 * end of a RUN step's output: the process that relays the step's stdout exits as soon as the
 * step has, without forwarding what it has not passed on yet (at most a pipe's 64 KiB plus
 * its 8 KiB read buffer; `chroot/run_common.go`, Podman 4.3.1 and 5.4.2 alike). A reader that
 * falls behind makes the loss certain, a loaded machine makes it possible (once in about 160
 * builds); Podman then never sends those lines, so no client can show them.
 *
 * @module
 */

/** Shell lines (about 140 KiB) that push everything printed before them through the relay. */
export const PAST_THE_RELAY =
  "p=0; while [ $p -lt 2500 ]; do echo padding-that-pushes-earlier-output-through-the-relay-$p; p=$((p+1)); done";

/** `command`, then enough output after it that what `command` printed reaches the log. */
export function keptOutput(command: string): string {
  return `${command} && ${PAST_THE_RELAY}`;
}
