import { inBandError } from "../../../client/json_stream.ts";
import type { OperationContext } from "../../../client/operation.ts";
import { BuildError, ConnectionError, PodmanError } from "../../../errors.ts";
import { forEachJsonLine } from "../../../streams/json_lines.ts";
import { isImageIdText } from "../../../vocabulary/image_id.ts";
import { logLinePlatform } from "../../../vocabulary/build_platforms.ts";
import type { BuildEventOf } from "./build_events.ts";

/**
 * Cuts the text of the build's `stream` objects into lines: one object may hold many lines
 * (`RUN ls -aR`), and a line may be split over two objects (the server writes what its
 * buffer holds). Each complete line keeps its `\n` (and a `\r` before it).
 */
class LineSplitter {
  #pending = "";

  /** Hands every line that `text` completes to `onLine`; keeps an unfinished tail. */
  push(text: string, onLine: (line: string) => void): void {
    let start = 0;
    let end = text.indexOf("\n");
    if (end === -1) {
      this.#pending += text;
      return;
    }
    onLine(this.#pending + text.slice(0, end + 1));
    this.#pending = "";
    start = end + 1;
    while ((end = text.indexOf("\n", start)) !== -1) {
      onLine(text.slice(start, end + 1));
      start = end + 1;
    }
    this.#pending = text.slice(start);
  }

  /** The unfinished tail, once the body ended (a last line without `\n`), if any. */
  flush(onLine: (line: string) => void): void {
    if (this.#pending !== "") onLine(this.#pending);
    this.#pending = "";
  }
}

/**
 * Reads the build's JSON lines: emits each log line live, one event per line, and returns the
 * image id and the log.
 */
export async function readBuildLog<M>(
  response: Response,
  action: string,
  context: OperationContext<BuildEventOf<M>>,
): Promise<{ id: string; log: string[] }> {
  const log: string[] = [];
  const lines = new LineSplitter();
  let id: string | undefined;
  const onLine = (line: string): void => {
    log.push(line);
    // A RUN step may print an id-like line too; the server's id line comes last. The id is
    // kept as written (Podman writes bare hex; other forms are sent back as they are).
    const text = line.replace(/\r?\n$/, "");
    if (isImageIdText(text)) id = text;
    const platform = logLinePlatform(line);
    context.emit(platform === undefined ? { type: "log", line } : { type: "log", line, platform });
  };
  try {
    await forEachJsonLine(response.body, action, context.alive, (value) => {
      const message = inBandError(value);
      if (message !== undefined) {
        lines.flush(onLine);
        throw new BuildError(`${action}: ${message.trim()}`, [...log]);
      }
      const text = (value as { stream?: unknown }).stream;
      if (typeof text === "string") lines.push(text, onLine);
    });
  } catch (error) {
    if (error instanceof BuildError || context.signal.aborted) throw error;
    // What arrived before the failure is log too.
    lines.flush(onLine);
    // A connection that breaks (the service died) or a closed client is not the build's
    // failure: it reaches operation() as it is and becomes the ConnectionError every broken
    // stream gives.
    if (!(error instanceof PodmanError) || error instanceof ConnectionError) throw error;
    throw new BuildError(error.message, [...log], { cause: error });
  }
  lines.flush(onLine);
  if (id === undefined) {
    const last = log.at(-1)?.trim();
    throw new BuildError(
      `${action}: the build ended without an image id${last ? ` (last line: ${last})` : ""}`,
      [...log],
    );
  }
  return { id, log };
}
