import { deferredOperation, type Operation, pickedEvent } from "../../async/operation.ts";
import { operation } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { parseJsonBody, pathSegment } from "../../client/request_json.ts";
import { parseReference, requireName } from "../../vocabulary/reference.ts";
import { lastOf } from "../../async/settle.ts";
import type { Artifact } from "../artifact.ts";
import { inspectArtifact } from "./get.ts";
import { reportedDigest } from "./_read_artifact.ts";
import { type ArtifactTransferOptions, transferParams } from "./_transfer_options.ts";
import { type ArtifactPushedEvent, type ArtifactPushEvent, fileEvents } from "./transfer_events.ts";

/**
 * `POST /libpod/artifacts/{name}/push`: pushes an artifact of the store to the registry its
 * name points to (Podman pushes an artifact to its own name only). The artifact is inspected
 * first: a missing one fails with `NotFound` before anything goes to the registry, and the
 * files' sizes give the events their totals.
 *
 * The server answers once the push is over, so `timeout` bounds the whole push. Unsubscribing
 * aborts the request.
 *
 * @returns A cold Observable of {@linkcode ArtifactPushEvent}s ending in `pushed`. A name that
 * is not a reference is a `RangeError`, a bad option a `TypeError`/`RangeError`, both on
 * subscribe before anything is sent; credentials the registry refuses error with `APIError`
 * (401), never echoing the password.
 */
export function pushArtifact(
  requester: Requester,
  artifact: string | Artifact,
  options: ArtifactTransferOptions = {},
): Operation<ArtifactPushEvent, ArtifactPushedEvent> {
  const name = typeof artifact === "string" ? artifact : artifact?.name;
  return deferredOperation(() => `Cannot push artifact "${name}"`, (action) => {
    requireName(name, action);
    parseReference(name);
    const { query, auth } = transferParams(options, name, action);
    return operation<ArtifactPushEvent>(action, options, async ({ emit, signal, alive }) => {
      const local = await lastOf(inspectArtifact(requester, name, action), signal);
      alive();
      emit({
        type: "status",
        message: `Pushing artifact ${name}: ${local.files.length} files, ${local.size} bytes`,
      });
      for (const event of fileEvents(local, "Preparing", false)) emit(event);
      const response = await requester.request({
        method: "POST",
        path: `/artifacts/${pathSegment(name)}/push`,
        query,
        ...auth,
        action,
      }, signal);
      const digest = reportedDigest(parseJsonBody(await response.text(), action), action);
      for (const event of fileEvents(local, "Pushed", true)) emit(event);
      emit({ type: "pushed", destination: name, digest });
    });
  }, pickedEvent((event) => event.type === "pushed" ? event : undefined));
}
