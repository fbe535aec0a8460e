import { catchError, concat, type Observable, type OperatorFunction } from "rxjs";
import type { AuthConfig } from "../vocabulary/registry_auth.ts";
import { splitFleetOptions } from "./_split_fleet_options.ts";
import { FleetError } from "./fleet_error.ts";
import type { FleetEvent, FleetOptions } from "./fleet_event.ts";
import type { FleetHost } from "./fleet_host.ts";
import type { RegistryAccess } from "./registry_access.ts";
import { runOnHosts } from "./run_on_hosts.ts";

/** A distribution through a registry, as {@linkcode pushThenPull} runs it. */
export interface PushThenPull<E, R> {
  /** Names the distribution in errors, e.g. `Cannot distribute "app:1"`. */
  readonly action: string;
  /** The host that pushes. */
  readonly source: FleetHost;
  /** The hosts that pull, once the push is done. */
  readonly targets: readonly FleetHost[];
  /** The source's push; made once per try. */
  readonly push: () => Observable<E>;
  /** One target's pull; made once per try. */
  readonly pull: (target: FleetHost) => Observable<E>;
  /** Folds a host's events (the source's and each target's) into its result. */
  readonly result: (previous: R | undefined, event: E) => R | undefined;
  /** Checks a target's result against the source's; a throw fails that target. */
  readonly verify: (result: R, host: string) => void;
}

/** The TLS, credentials and timeout a push or pull on `host` takes from the route. */
export function transferOptions(
  access: RegistryAccess,
  host: string,
  timeout: number | undefined,
): { tlsVerify?: boolean; authConfig?: AuthConfig; timeout?: number } {
  const authConfig = typeof access.authConfig === "function"
    ? access.authConfig(host)
    : access.authConfig;
  return {
    ...(access.tlsVerify === undefined ? {} : { tlsVerify: access.tlsVerify }),
    ...(authConfig === undefined ? {} : { authConfig }),
    ...(timeout === undefined ? {} : { timeout }),
  };
}

/**
 * A later phase's error counted over every host of the distribution: the hosts of phases not
 * reached are listed as not finished.
 */
function overAllHosts<O>(
  action: string,
  total: number,
  notReached: readonly string[],
): OperatorFunction<O, O> {
  return catchError<O, Observable<O>>((error: unknown) => {
    if (!(error instanceof FleetError)) throw error;
    throw new FleetError(action, total, error.failures, [...error.cancelled, ...notReached]);
  });
}

/**
 * Pushes once from the source, then pulls on every target, as one fleet stream: the source's
 * outcome first, then the targets'. `retry` applies to the push and the pulls, `concurrency`
 * and `failFast` to the pulls; a failed push leaves every target not reached.
 */
export function pushThenPull<E, R>(
  route: PushThenPull<E, R>,
  options: FleetOptions,
): Observable<FleetEvent<E, R>> {
  const { action, source, targets } = route;
  const total = targets.length + 1;
  const push = runOnHosts<E, R>(
    action,
    [{ name: source.name, operation: route.push }],
    { retry: options.retry ?? 0, result: route.result },
  ).pipe(overAllHosts(action, total, targets.map((target) => target.name)));
  const [fleet] = splitFleetOptions(options);
  const pulls = runOnHosts<E, R>(
    action,
    targets.map((target) => ({ name: target.name, operation: () => route.pull(target) })),
    { ...fleet, result: route.result, verify: route.verify },
  ).pipe(overAllHosts(action, total, []));
  return concat(push, pulls);
}
