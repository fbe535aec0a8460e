import { deferredOperation, type Operation, pickedEvent } from "../../async/operation.ts";
import { apiAtLeast } from "../../client/api_version.ts";
import { jsonStream } from "../../client/json_stream.ts";
import type { OperationOptions } from "../../client/operation.ts";
import { type OptionSince, requireOptionsSince } from "../../client/option_since.ts";
import type { Requester } from "../../client/requester.ts";
import { pathSegment } from "../../client/request_json.ts";
import type { PushedEvent } from "../../images/operations/push_events.ts";
import type { PullStatusEvent } from "../../vocabulary/stream_events.ts";
import { parseReference, requireName } from "../../vocabulary/reference.ts";
import { type AuthConfig, encodeRegistryAuth } from "../../vocabulary/registry_auth.ts";

/** Options for `Manifest.push`. */
export interface ManifestPushOptions extends OperationOptions {
  /**
   * Push every image of the list with it, not only the list (which then refers to images the
   * registry must already have).
   * @default {true}
   */
  all?: boolean;
  /**
   * Require HTTPS and verify certificates.
   * @default {true}
   */
  tlsVerify?: boolean;
  /** Credentials for the registry. */
  authConfig?: AuthConfig;
  /** Manifest type of the pushed images: `oci`, `v2s1` or `v2s2` (Podman 4.3 and later). */
  format?: "oci" | "v2s1" | "v2s2";
  /** Layer compression: `gzip`, `zstd` or `zstd:chunked` (Podman 4.3 and later). */
  compressionFormat?: string;
  /** Compression level (Podman 4.8 and later). */
  compressionLevel?: number;
  /** Drop signatures when pushing (Podman 4.3 and later). */
  removeSignatures?: boolean;
}

/** What `Manifest.push` emits: the server's status lines (Podman 4.3 and later), then `pushed`. */
export type ManifestPushEvent = PullStatusEvent | PushedEvent;

const FORMATS: readonly string[] = ["oci", "v2s1", "v2s2"];
const DIGEST = /^[a-z0-9]+:[0-9a-f]{32,}$/;

/** The push options that only some servers read: which option, and since which version. */
const SINCE: readonly OptionSince<ManifestPushOptions>[] = [
  ["format", 4, 3],
  ["compressionFormat", 4, 3],
  ["removeSignatures", 4, 3],
  ["compressionLevel", 4, 8],
];

function validate(options: ManifestPushOptions, action: string): void {
  if (options.format !== undefined && !FORMATS.includes(options.format)) {
    throw new RangeError(
      `${action}: format must be one of ${FORMATS.join(", ")}, got "${options.format}"`,
    );
  }
  const level = options.compressionLevel;
  if (level !== undefined && (!Number.isInteger(level) || level < 0)) {
    throw new RangeError(`${action}: compressionLevel must be a whole number, got ${level}`);
  }
}

/**
 * `POST /libpod/manifests/{name}/registry/{destination}`: pushes a manifest list and (with
 * `all`, the default) every image it lists. From Podman 4.3 on, the server streams its
 * progress (`quiet=false`) and ends with the digest of the pushed list; before, it answers
 * once with the digest.
 *
 * @returns A cold Observable of status lines, then one `pushed` event with the destination
 * and the list's digest. A name that is not a manifest list errors with `APIError` (Podman
 * says "image is not a manifest list"); so does a registry that refuses the credentials. A
 * malformed destination or option is a `TypeError`/`RangeError`, and an option the server
 * does not read a `PodmanError`, delivered on subscribe before anything is pushed.
 * Unsubscribing aborts the push.
 */
export function pushManifest(
  requester: Requester,
  name: string,
  destination: string,
  options: ManifestPushOptions = {},
): Operation<ManifestPushEvent, PushedEvent> {
  return deferredOperation(
    () => `Cannot push manifest list "${name}" to "${destination}"`,
    (action) => {
      requireName(name, action);
      requireName(destination, action);
      parseReference(destination);
      validate(options, action);
      const auth = encodeRegistryAuth(options.authConfig, destination);
      return jsonStream<ManifestPushEvent>(
        requester,
        action,
        options,
        async (signal) => {
          const version = await requester.apiVersion(signal);
          // Podman's handler reads only the parameters of its version (4.3 added streaming,
          // `format`, `compressionFormat` and `removeSignatures`; 4.8 `compressionLevel`).
          requireOptionsSince(options, SINCE, version, action);
          return {
            method: "POST",
            path: `/manifests/${pathSegment(name)}/registry/${pathSegment(destination)}`,
            query: {
              all: options.all ?? true,
              tlsVerify: options.tlsVerify,
              format: options.format,
              compressionFormat: options.compressionFormat,
              compressionLevel: options.compressionLevel,
              removeSignatures: options.removeSignatures,
              // Older servers do not know `quiet` and answer once, as quiet ones do.
              quiet: apiAtLeast(version, 4, 3) ? false : undefined,
            },
            headers: auth.headers,
            secrets: auth.secrets,
            credentials: { reference: destination },
            action,
          };
        },
        () => {
          // Each subscription reads its own stream.
          let digest: string | undefined;
          return {
            onValue(value, { emit }) {
              const line = value as { stream?: unknown; Id?: unknown };
              if (typeof line.Id === "string" && DIGEST.test(line.Id)) digest = line.Id;
              if (typeof line.stream === "string") {
                const message = line.stream.replace(/[\r\n]+$/, "");
                if (message !== "") emit({ type: "status", message });
              }
            },
            onEnd({ emit }) {
              emit(
                digest === undefined
                  ? { type: "pushed", destination }
                  : { type: "pushed", destination, digest },
              );
            },
          };
        },
      );
    },
    pickedEvent((event) => event.type === "pushed" ? event : undefined),
  );
}
