/**
 * Private Podman services for the fleet tests: started at the same time, each with its own
 * empty vfs storage, stopped by the fleet that owns their clients (or by `stopAll`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { lastValueFrom, type Observable, tap } from "rxjs";
import { PodmanClient } from "../../src/podman/podman_client.ts";
import { FleetError } from "../../src/fleet/fleet_error.ts";
import type { FleetEvent } from "../../src/fleet/fleet_event.ts";
import { unixSocketTransport } from "../../src/transport/socket_transport.ts";
import type { Transport } from "../../src/transport/transport.ts";
import { podmanProgram, runPodman } from "../bed/env.ts";

/** Starts `count` private services at once. */
export async function spawnHosts(count: number): Promise<PodmanClient[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, () =>
      PodmanClient.spawn({
        podmanPath: podmanProgram(),
        storage: "private",
        storageDriver: "vfs",
        env: { BUILDAH_ISOLATION: "chroot" },
        handleSignals: false,
      })),
  );
  const clients = started.flatMap((result) => result.status === "fulfilled" ? [result.value] : []);
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await Promise.allSettled(clients.map((client) => client.close()));
    throw failed.reason;
  }
  return clients;
}

/** The ids of the images in a spawned service's storage, read by the CLI (the service may be dead). */
export async function storedImageIds(client: PodmanClient): Promise<string[]> {
  const service = client.service!;
  const result = await runPodman(
    { root: service.root!, runroot: service.runroot!, registriesConf: "/dev/null" },
    ["images", "--all", "--no-trunc", "--format", "{{.ID}}"],
  );
  if (result.code !== 0) throw new Error(`podman images failed: ${result.stderr}`);
  return result.stdout.split("\n").filter(Boolean).map((id) => id.replace(/^sha256:/, ""));
}

/** A client of a socket that counts the requests whose path matches. */
export function countingClient(
  socketPath: string,
  matches: (path: string) => boolean,
): { client: PodmanClient; count: () => number } {
  const inner = unixSocketTransport(socketPath);
  let count = 0;
  const transport: Transport = {
    origin: inner.origin,
    description: inner.description,
    fetch(url, init) {
      if (matches(new URL(url).pathname)) count++;
      return inner.fetch(url, init);
    },
    close: () => inner.close(),
  };
  return { client: new PodmanClient({ transport }), count: () => count };
}

/** Every value, or the error the stream ended with together with the values before it. */
export async function collect<T>(
  source: Observable<T>,
): Promise<{ values: T[]; error: unknown }> {
  const values: T[] = [];
  try {
    await lastValueFrom(source.pipe(tap((value) => values.push(value))), { defaultValue: null });
    return { values, error: undefined };
  } catch (error) {
    return { values, error };
  }
}

/** Each host's result, from its `done` event. */
export function doneOf<E, R>(events: FleetEvent<E, R>[]): Map<string, R> {
  return new Map(
    events.flatMap((event) => event.type === "done" ? [[event.host, event.result] as const] : []),
  );
}

/** The hosts a `FleetError` names as failed, sorted; anything else fails the test. */
export function failedHosts(error: unknown): string[] {
  assert.ok(error instanceof FleetError, `expected a FleetError, got ${error}`);
  return error.failures.map((failure) => failure.host).sort();
}
