// deno-lint-ignore-file no-console -- the examples report on the terminal
/**
 * What every example shares: the connection flags (`--url`, `--spawn`), running an
 * Observable until it ends or Ctrl-C cancels it, and the exit that follows.
 *
 * @module
 */

import type { Observable, Subscription } from "rxjs";
import { PodmanClient } from "../mod.ts";
import type { Screen } from "./_display.ts";

/** `parseArgs` options for the connection, shared by every example. */
export const CONNECTION_OPTIONS = {
  /** The service: `unix:///path.sock`, `tcp://host:port`, `ssh://...`; else `CONTAINER_HOST`. */
  url: { type: "string" },
  /** Start a private Podman service (own, empty storage) for this run instead. */
  spawn: { type: "boolean", default: false },
  /** Podman's `--storage-driver` for `--spawn`, e.g. `vfs` where overlay is not available. */
  "storage-driver": { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Exit codes: 2 for a bad command line, 130 for Ctrl-C, as shells report SIGINT. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Prints `usage` and exits: 0 when asked for with `--help`, else 2 after `problem`. */
export function usage(text: string, problem?: string): never {
  if (problem === undefined) {
    console.log(text);
    Deno.exit(EXIT.ok);
  }
  console.error(`${problem}\n\n${text}`);
  Deno.exit(EXIT.usage);
}

/**
 * Reads `--tls-verify[=true|false]` the way Podman's CLI does; `undefined` when absent
 * (the server's default, which is to verify).
 */
export function tlsVerify(value: string | undefined, text: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "true" || value === "") return true;
  if (value === "false") return false;
  usage(text, `--tls-verify takes true or false, got "${value}"`);
}

/** Options for {@linkcode connect}. */
export interface ConnectOptions {
  url?: string | undefined;
  spawn?: boolean | undefined;
  "storage-driver"?: string | undefined;
  /** A `registries.conf` for a spawned service. */
  registriesConf?: string | undefined;
}

/**
 * The client the flags ask for: `--spawn` starts a private service with its own, empty
 * storage (stopped again by `client.close()`); `--url` connects to that service; neither
 * lets the client find one (`CONTAINER_HOST`, Podman's default connection, the usual sockets).
 */
export async function connect(options: ConnectOptions): Promise<PodmanClient> {
  if (options.spawn) {
    return await PodmanClient.spawn({
      storage: "private",
      // RUN steps without an OCI runtime, so builds work in containers and CI too.
      env: { BUILDAH_ISOLATION: "chroot" },
      // The examples catch Ctrl-C themselves, cancel their request, then close the client,
      // which stops the service.
      handleSignals: false,
      ...(options["storage-driver"] ? { storageDriver: options["storage-driver"] } : {}),
      ...(options.registriesConf ? { registriesConf: options.registriesConf } : {}),
    });
  }
  return new PodmanClient(options.url ? { baseUrl: options.url } : {});
}

/** How {@linkcode runUntilDone} ended. */
export type Outcome<T> =
  | { kind: "completed"; last: T | undefined }
  | { kind: "failed"; error: unknown }
  | { kind: "interrupted" };

/**
 * Subscribes to `work` and resolves when it completes or errors. Ctrl-C (SIGINT)
 * unsubscribes, which aborts the request in flight at once, and resolves `interrupted`.
 */
export function runUntilDone<T>(work: Observable<T>): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    let settled = false;
    let listening = false;
    function settle(outcome: Outcome<T>): void {
      if (settled) return;
      settled = true;
      if (listening) Deno.removeSignalListener("SIGINT", onInterrupt);
      resolve(outcome);
    }
    function onInterrupt(): void {
      subscription.unsubscribe();
      settle({ kind: "interrupted" });
    }
    let last: T | undefined;
    const subscription: Subscription = work.subscribe({
      next: (value) => (last = value),
      error: (error: unknown) => settle({ kind: "failed", error }),
      complete: () => settle({ kind: "completed", last }),
    });
    if (!settled) {
      Deno.addSignalListener("SIGINT", onInterrupt);
      listening = true;
    }
  });
}

/** The message of an error, for a one-line report. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Options for {@linkcode finish}. */
export interface FinishOptions {
  /** More clients to close with the first (spawned services are stopped); read when closing. */
  others?: readonly PodmanClient[];
}

/**
 * Closes the client (stopping a spawned service) and exits: 0 when completed, 1 with the
 * error on stderr when failed, 130 when interrupted. A second Ctrl-C while closing exits
 * at once.
 */
export async function finish(
  client: PodmanClient,
  outcome: Outcome<unknown>,
  screen: Screen,
  options: FinishOptions = {},
): Promise<never> {
  screen.settle();
  const impatient = (): void => Deno.exit(EXIT.interrupted);
  Deno.addSignalListener("SIGINT", impatient);
  if (outcome.kind === "interrupted") {
    screen.error("Interrupted: the request was cancelled");
  } else if (outcome.kind === "failed") {
    screen.error(`✘ ${messageOf(outcome.error)}`);
  }
  const closed = await Promise.allSettled(
    [client, ...(options.others ?? [])].map((each) => each.close()),
  );
  for (const result of closed) {
    if (result.status === "rejected") screen.error(`✘ ${messageOf(result.reason)}`);
  }
  Deno.exit(
    outcome.kind === "completed"
      ? EXIT.ok
      : outcome.kind === "interrupted"
      ? EXIT.interrupted
      : EXIT.failed,
  );
}
