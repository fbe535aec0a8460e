import type { FleetOptions } from "./fleet_event.ts";

const FLEET_KEYS = ["concurrency", "failFast", "retry", "hosts"] as const;

/**
 * Splits a fleet method's options into the fleet's own ({@linkcode FleetOptions}) and the rest,
 * which go to the operation on each host unchanged.
 */
export function splitFleetOptions<O extends FleetOptions>(
  options: O | undefined,
): [FleetOptions, Omit<O, keyof FleetOptions>] {
  const fleet: Record<string, unknown> = {};
  const own: Record<string, unknown> = { ...options };
  for (const key of FLEET_KEYS) {
    if (key in own) {
      fleet[key] = own[key];
      delete own[key];
    }
  }
  return [fleet as FleetOptions, own as Omit<O, keyof FleetOptions>];
}
