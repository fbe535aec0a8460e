import { catchError, concatMap, last, type Observable } from "rxjs";
import { FleetError } from "./fleet_error.ts";
import type { FleetHost } from "./fleet_host.ts";

/**
 * A distribution's failure before any host started: the source failed with `error`, and
 * every target is listed as not reached.
 */
export function sourceFailed(
  action: string,
  source: FleetHost,
  targets: readonly FleetHost[],
  error: Error,
): FleetError {
  return new FleetError(
    action,
    targets.length + 1,
    [{ host: source.name, error }],
    targets.map((target) => target.name),
  );
}

/**
 * Looks up what the source has (the lookup's last value), then runs `rest` with it; a failed
 * lookup fails the source host and leaves every target not reached.
 */
export function withSource<T, O>(
  action: string,
  source: FleetHost,
  targets: readonly FleetHost[],
  lookup: Observable<T>,
  rest: (found: T) => Observable<O>,
): Observable<O> {
  return lookup.pipe(
    last(),
    catchError((error: unknown) => {
      throw sourceFailed(action, source, targets, error as Error);
    }),
    // After the catch: a failure of `rest` is its own, not the lookup's.
    concatMap(rest),
  );
}
