import { deferredOperation, type Operation } from "../../async/operation.ts";
import type { Observable } from "rxjs";
import { checkOperationOptions, type OperationOptions } from "../../client/operation.ts";
import { pathSegment, requestJson } from "../../client/request_json.ts";
import { PodmanError } from "../../errors.ts";
import type { Requester } from "../../client/requester.ts";

/** Options for {@linkcode ImagesManager.scp}. */
export interface ScpOptions extends OperationOptions {
  /**
   * Where to copy the image: `[user@]host[:port]::[image]` or a connection name known to the
   * server (`name::`). Needed unless `source` itself is remote.
   */
  destination?: string;
  /**
   * Do not print save/load output on the server.
   * @default {false}
   */
  quiet?: boolean;
}

/** What `scp()` reports. */
export interface ScpReport {
  /** Id (or name) of the image loaded at the destination. */
  id: string;
}

/**
 * Copies an image between hosts over SSH, run by the server as `podman image scp`:
 * `POST /images/scp/{source}?destination=...&quiet=...`.
 *
 * The server does the work: it saves the image, connects to the other host with SSH (keys
 * from its own `podman system connection` settings) and loads it there. Podman refuses a
 * copy between users of the same host over the API (`user@localhost::`, 400: "cannot use the
 * user transfer function on the remote client"). The request blocks until the copy is done.
 *
 * @param requester The service that runs the copy.
 * @param source `image` on the server, or `[user@]host[:port]::image` to copy from a remote.
 * @returns A cold Observable that emits `{ id }` of the image loaded at the destination, then
 * completes. A copy that fails errors with {@linkcode APIError} carrying the server's message,
 * e.g. `failed to connect: dial tcp 10.0.0.9:22: connect: connection refused` (500).
 * An empty `source` or `destination` errors it with `TypeError`, before anything is sent.
 *
 * @example Copying an image to another machine, against a stand-in for the service
 * ```ts
 * import { PodmanClient } from "@podrx/podrx";
 * import assert from "node:assert/strict";
 * import { lastValueFrom } from "rxjs";
 *
 * // Answers every request with the report Podman writes for a copy; leave `transport` out to
 * // copy through your own service.
 * const report = { Id: `sha256:${"c".repeat(64)}` };
 * await using podman = new PodmanClient({
 *   transport: {
 *     origin: "http://libpod",
 *     description: "a fake Podman",
 *     fetch: async () => Response.json(report, { headers: { "Libpod-API-Version": "5.4.0" } }),
 *     close: () => {},
 *   },
 * });
 * const { id } = await lastValueFrom(
 *   podman.images.scp("localhost/app:1", { destination: "deploy@build-2::" }),
 * );
 * assert.equal(id, report.Id);
 * ```
 */
export function scpImage(
  requester: Requester,
  source: string,
  options: ScpOptions = {},
): Operation<ScpReport> {
  return deferredOperation(() => scpAction(source, options), (action) => {
    checkOperationOptions(options, `Cannot copy image "${String(source)}"`);
    return scpRequest(requester, source, action, options);
  });
}

/** Names the copy, with its destination when the options (checked later) give one. */
function scpAction(source: string, options: ScpOptions): string {
  const destination = (options as ScpOptions | null | undefined)?.destination;
  return destination === undefined
    ? `Cannot copy image "${String(source)}"`
    : `Cannot copy image "${String(source)}" to "${String(destination)}"`;
}

function scpRequest(
  requester: Requester,
  source: string,
  action: string,
  options: ScpOptions,
): Observable<ScpReport> {
  const { destination } = options;
  if (typeof source !== "string" || source.trim() === "") {
    throw new TypeError(`${action}: the source is empty`);
  }
  if (destination !== undefined && (typeof destination !== "string" || destination.trim() === "")) {
    throw new TypeError(`${action}: the destination is empty`);
  }
  return requestJson(
    requester,
    {
      method: "POST",
      path: `/images/scp/${pathSegment(source)}`,
      query: { destination, quiet: options.quiet ?? false },
      action,
      notFound: "image",
    },
    options,
    (body) => {
      const id = (body as { Id?: unknown } | undefined)?.Id;
      if (typeof id !== "string" || id === "") {
        throw new PodmanError(`${action}: the server's report has no Id`);
      }
      return { id };
    },
  );
}
