import { deferredOperation, type Operation, pickedEvent } from "../../async/operation.ts";
import { operation } from "../../client/operation.ts";
import type { Requester } from "../../client/requester.ts";
import { parseJsonBody } from "../../client/request_json.ts";
import { parseReference, requireName } from "../../vocabulary/reference.ts";
import { lastOf } from "../../async/settle.ts";
import { inspectArtifact } from "./get.ts";
import { reportedDigest } from "./_read_artifact.ts";
import { type ArtifactTransferOptions, transferParams } from "./_transfer_options.ts";
import type { Artifact } from "../artifact.ts";
import { type ArtifactPullEvent, fileEvents } from "./transfer_events.ts";

/**
 * `POST /libpod/artifacts/pull?name=`: pulls an artifact from its registry into the store,
 * then inspects it for the events and the model.
 *
 * The server answers once the pull is over, so `timeout` bounds the whole pull, and the
 * events between the first status line and the files are none. Unsubscribing aborts the
 * request (Podman then drops what it had fetched).
 *
 * @returns A cold Observable of {@linkcode ArtifactPullEvent}s ending in `pulled`. A name that
 * is not a reference is a `RangeError`, a bad option a `TypeError`/`RangeError`, both on
 * subscribe before anything is sent; an artifact the registry does not have errors with
 * `NotFound`, credentials it refuses with `APIError` (401), never echoing the password.
 */
export function pullArtifact(
  requester: Requester,
  name: string,
  options: ArtifactTransferOptions = {},
): Operation<ArtifactPullEvent, Artifact> {
  return deferredOperation(() => `Cannot pull artifact "${name}"`, (action) => {
    requireName(name, action);
    parseReference(name);
    const { query, auth } = transferParams(options, name, action);
    return operation<ArtifactPullEvent>(action, options, async ({ emit, signal, alive }) => {
      emit({ type: "status", message: `Pulling artifact ${name}` });
      const response = await requester.request({
        method: "POST",
        path: "/artifacts/pull",
        query: { name, ...query },
        ...auth,
        action,
      }, signal);
      const digest = reportedDigest(parseJsonBody(await response.text(), action), action);
      alive();
      const artifact = await lastOf(inspectArtifact(requester, name, action), signal);
      for (const event of fileEvents(artifact, "Download complete", true)) emit(event);
      emit({ type: "pulled", name, digest, artifact });
    });
  }, pickedEvent((event) => event.type === "pulled" ? event.artifact : undefined));
}
