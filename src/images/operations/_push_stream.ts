import type { PullStatusEvent } from "../../vocabulary/stream_events.ts";

const DIGEST = /^[a-z0-9]+:[0-9a-f]{32,}$/;

/**
 * Turns the JSON objects of a streamed push body (Podman 5 and later, `quiet=false`) into
 * events: `{"stream": "Copying blob ...\n"}` lines become status events, and the final
 * `{"manifestdigest": "sha256:..."}` is kept for the `pushed` event. Errors (`{"error"}`) are
 * raised by the stream reader before they get here. The blocking mode's body (`"\n"`) gives
 * nothing. One reader serves one stream.
 */
export class PushStreamReader {
  #digest: string | undefined;

  /** Digest of the pushed manifest, once the server reported it. */
  get digest(): string | undefined {
    return this.#digest;
  }

  /** Maps one object of the body to the events to emit now (maybe none). */
  read(value: unknown): PullStatusEvent[] {
    if (typeof value !== "object" || value === null) return [];
    const line = value as { stream?: unknown; manifestdigest?: unknown };
    if (typeof line.manifestdigest === "string" && DIGEST.test(line.manifestdigest)) {
      this.#digest = line.manifestdigest;
    }
    if (typeof line.stream === "string") {
      const message = line.stream.replace(/[\r\n]+$/, "");
      if (message !== "") return [{ type: "status", message }];
    }
    return [];
  }
}
