import { checkOperationOptions } from "../../../client/operation.ts";
import { requireOneOf } from "../../../vocabulary/one_of.ts";
import { parseReference } from "../../../vocabulary/reference.ts";
import { requireWholeNumber } from "../../../vocabulary/whole_number.ts";
import { requireStringList, requireStringRecord } from "../../../vocabulary/strings.ts";
import { validateRegistryRetry } from "../../../vocabulary/registry_retry.ts";
import { buildPlatforms, validateBuildPlatforms } from "../../../vocabulary/build_platforms.ts";
import { checkVia } from "../_local_api.ts";
import { tagsOf } from "./_params.ts";
import type { BuildOptions } from "./build_options.ts";

export function isByteStream(value: unknown): value is ReadableStream<Uint8Array> {
  return value instanceof ReadableStream;
}

/**
 * Checks the arguments before anything is sent: `TypeError` for a wrong type, a missing or
 * conflicting source; `RangeError` for a value outside what is allowed (a malformed tag, an
 * unknown encoding or pull policy, a Dockerfile outside the context).
 */
export function validateBuildOptions(options: BuildOptions, action: string): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${action}: options are required`);
  }
  checkOperationOptions(options, action);
  const sources = (["path", "fileobj", "customContext"] as const).filter((key) =>
    options[key] !== undefined
  );
  if (sources.length !== 1) {
    throw new TypeError(
      sources.length === 0
        ? `${action}: give one of path, fileobj or customContext`
        : `${action}: give only one of path, fileobj or customContext, got ${sources.join(", ")}`,
    );
  }
  const { path, fileobj, customContext, dockerfile, encoding } = options;
  if (path !== undefined && (typeof path !== "string" || path === "")) {
    throw new TypeError(`${action}: path must be a non-empty string`);
  }
  if (
    fileobj !== undefined && typeof fileobj !== "string" && !(fileobj instanceof Uint8Array) &&
    !isByteStream(fileobj)
  ) {
    throw new TypeError(`${action}: fileobj must be a string, a Uint8Array or a ReadableStream`);
  }
  if (
    customContext !== undefined && !(customContext instanceof Uint8Array) &&
    !isByteStream(customContext)
  ) {
    throw new TypeError(`${action}: customContext must be a Uint8Array or a ReadableStream`);
  }
  if (dockerfile !== undefined && (typeof dockerfile !== "string" || dockerfile === "")) {
    throw new TypeError(`${action}: dockerfile must be a non-empty string`);
  }
  if (customContext !== undefined && dockerfile === undefined) {
    throw new TypeError(`${action}: customContext needs dockerfile, the Dockerfile's path in it`);
  }
  if (
    fileobj !== undefined && dockerfile !== undefined &&
    (dockerfile.startsWith("/") || dockerfile.split("/").includes(".."))
  ) {
    throw new RangeError(
      `${action}: with fileobj, dockerfile names the file inside the context; ` +
        `"${dockerfile}" leaves it`,
    );
  }
  requireOneOf(encoding, ["gzip"], "encoding", action);
  checkVia(options.via, action);
  if (options.via === "local" && path === undefined) {
    throw new TypeError(`${action}: via "local" needs path, a context directory`);
  }
  if (options.via === "local" && hasSecrets(options)) {
    throw new TypeError(
      `${action}: via "local" cannot take secrets: a build read in place would have the ` +
        "server move the secret files out of your context directory",
    );
  }
  requireOneOf(options.policy, ["always", "missing", "newer", "never"], "policy", action);
  const platforms = buildPlatforms(options.platform);
  validateBuildPlatforms(platforms, action);
  if (platforms.length > 1 && options.manifest === undefined) {
    throw new TypeError(`${action}: several platforms need manifest, the list to collect them`);
  }
  if (options.manifest !== undefined) parseReference(options.manifest);
  requireStringRecord(options.annotations, "annotations", action);
  requireWholeNumber(options.timestamp, "timestamp", action);
  requireWholeNumber(options.sourceDateEpoch, "sourceDateEpoch", action);
  requireStringRecord(options.env, "env", action);
  requireStringList(options.unsetEnv, "unsetEnv", action);
  if (options.from !== undefined) parseReference(options.from);
  requireStringList(options.unsetLabels, "unsetLabels", action);
  requireStringList(options.unsetAnnotations, "unsetAnnotations", action);
  validateRegistryRetry(options, action);
  for (const tag of tagsOf(options)) {
    try {
      parseReference(tag);
    } catch (error) {
      // The same class, with the build named in the message.
      const Class = error instanceof RangeError ? RangeError : TypeError;
      throw new Class(`${action}: ${(error as Error).message}`);
    }
  }
}

export function hasSecrets(options: BuildOptions): boolean {
  return options.secrets !== undefined && options.secrets.length > 0;
}
