/**
 * A client on the test bed's socket that records the path of every request it sends, for
 * tests that must show a request never left (an option refused before sending).
 *
 * @module
 */

import { PodmanClient, unixSocketTransport } from "../../mod.ts";
import { testBed } from "../bed/env.ts";

/** The client, and the paths it sent so far (`/v5.0.0/libpod/images/...`), in order. */
export function recordingClient(): { podman: PodmanClient; paths: string[] } {
  const paths: string[] = [];
  const real = unixSocketTransport(testBed().socketPath);
  const podman = new PodmanClient({
    transport: {
      origin: real.origin,
      description: real.description,
      fetch: (url, init) => {
        paths.push(new URL(url).pathname);
        return real.fetch(url, init);
      },
      close: () => real.close(),
    },
  });
  return { podman, paths };
}
