/**
 * The await style, made from the Observable style: every method of a manager, model or client
 * that returns an {@linkcode Operation} has a twin under `promises` that takes the same
 * arguments (with `onProgress` among the options) and resolves to the operation's result.
 * The twins are not written by hand: the type below and one Proxy make them from the methods.
 *
 * @module
 */

import type { AwaitOptions } from "./await_options.ts";
import { Operation } from "./operation.ts";
import { settle } from "./settle.ts";

/**
 * The names of `T`'s methods that return an {@linkcode Operation}: those that have twins.
 *
 * @example
 * ```ts
 * import type { OperationNames, RegistryData } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * // RegistryData has one operation; `hasPlatform` answers at once and has no twin.
 * const names: OperationNames<RegistryData>[] = ["pull"];
 * assert.deepEqual(names, ["pull"]);
 * ```
 */
export type OperationNames<T> = {
  // `promises` is left out before its type is read: it is made of these names.
  // deno-lint-ignore no-explicit-any -- an operation of any events and result
  [K in Exclude<keyof T, "promises">]: T[K] extends (...args: never[]) => Operation<any, any> ? K
    : never;
}[Exclude<keyof T, "promises">];

/**
 * The argument list `A` with `Extra` added to its last argument, the options: how a twin or a
 * fleet's form of an operation takes its own options beside the operation's.
 *
 * @example
 * ```ts
 * import type { FleetOptions, PullOptions, WithOptions } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * // pull's arguments, as a fleet takes them: its options carry `hosts` too.
 * const args: WithOptions<[repository: string, options?: PullOptions], FleetOptions> = [
 *   "alpine",
 *   { tlsVerify: false, hosts: ["edge1"] },
 * ];
 * assert.equal(args[1]?.hosts?.[0], "edge1");
 * ```
 */
export type WithOptions<A extends readonly unknown[], Extra> = {
  // The last index is the length of the arguments before the last (the options may be left out).
  [I in keyof A]: I extends
    `${Required<A> extends readonly [...infer Head, unknown] ? Head["length"] : never}`
    ? Exclude<A[I], undefined> & Extra
    : A[I];
};

/**
 * The await twins of `T`'s operations: each takes the operation's arguments, with `onProgress`
 * (called with every event) among its options, and resolves to the operation's result. Both
 * signatures of an overloaded operation (such as `pull` with `allTags`) carry over.
 *
 * @example
 * ```ts
 * import type { AwaitTwins, ImagesManager, Image } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 *
 * type Get = AwaitTwins<ImagesManager>["get"];
 * const resolvesToImage: (get: Get) => Promise<Image> = (get) => get("alpine");
 * assert.equal(typeof resolvesToImage, "function");
 * ```
 */
export type AwaitTwins<T> = {
  [K in OperationNames<T>]: T[K] extends {
    (...args: infer A1): Operation<infer E1, infer R1>;
    (...args: infer A2): Operation<infer E2, infer R2>;
  } ? {
      (...args: WithOptions<A1, AwaitOptions<E1>>): Promise<R1>;
      (...args: WithOptions<A2, AwaitOptions<E2>>): Promise<R2>;
    }
    : never;
};

/**
 * Runs `operation` and resolves to its result, calling `onProgress` with every event on the
 * way. A collector that cannot be made rejects, as every failure of a twin does.
 */
export function awaitOperation<E, R>(
  operation: Operation<E, R>,
  onProgress?: (event: E) => void,
): Promise<R> {
  let collector;
  try {
    collector = operation.collect();
  } catch (error) {
    return Promise.reject(error);
  }
  const { add, result } = collector;
  return settle(operation, (event) => {
    onProgress?.(event);
    add(event);
  }, result);
}

/**
 * Where a method takes its options: its last declared parameter. Operation methods declare
 * their options last and without a default, so `length` counts it.
 */
export function optionsIndex(method: { readonly length: number }): number {
  return method.length - 1;
}

/** Makes the await twins of `target`'s operations (see {@linkcode AwaitTwins}). */
export function awaitTwins<T extends object>(target: T): AwaitTwins<T> {
  const twins = new Map<PropertyKey, unknown>();
  return new Proxy({} as AwaitTwins<T>, {
    get(_, name) {
      if (twins.has(name)) return twins.get(name);
      const method: unknown = Reflect.get(target, name);
      if (typeof method !== "function") return undefined;
      const index = optionsIndex(method);
      const twin = (...args: unknown[]): unknown => {
        let operation: unknown;
        try {
          operation = method.apply(target, args);
        } catch (error) {
          return Promise.reject(error);
        }
        if (!(operation instanceof Operation)) return operation;
        const options = args[index] as AwaitOptions<unknown> | undefined;
        return awaitOperation(operation, options?.onProgress);
      };
      twins.set(name, twin);
      return twin;
    },
  });
}
