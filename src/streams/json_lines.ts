import { PodmanError } from "../errors.ts";

/**
 * Splits text into lines and parses each as JSON: what Podman's progress, build and load
 * streams are. Any chunking of the same bytes gives the same values; `\r\n` endings and blank
 * lines are tolerated; a line that is not JSON fails the stream with a {@linkcode PodmanError}.
 */
export class JsonLinesStream extends TransformStream<string, unknown> {
  /** Creates the transform; `what` names the stream in parse errors. */
  constructor(what: string) {
    let pending = "";
    const parse = (line: string, controller: TransformStreamDefaultController<unknown>): void => {
      const text = line.endsWith("\r") ? line.slice(0, -1) : line;
      if (text.trim() === "") return;
      try {
        controller.enqueue(JSON.parse(text));
      } catch (error) {
        const excerpt = text.length > 200 ? `${text.slice(0, 200)}...` : text;
        throw new PodmanError(`${what}: the server sent a line that is not JSON: ${excerpt}`, {
          cause: error,
        });
      }
    };
    super({
      transform(chunk, controller) {
        let start = 0;
        let newline = chunk.indexOf("\n");
        if (newline === -1) {
          pending += chunk;
          return;
        }
        // Only the first line of this chunk joins what was pending: no quadratic re-scans.
        parse(pending + chunk.slice(0, newline), controller);
        pending = "";
        start = newline + 1;
        while ((newline = chunk.indexOf("\n", start)) !== -1) {
          parse(chunk.slice(start, newline), controller);
          start = newline + 1;
        }
        pending = chunk.slice(start);
      },
      flush(controller) {
        parse(pending, controller);
      },
    });
  }
}

/**
 * Reads a response body as JSON lines and calls `onValue` for each, as it arrives. The reader
 * is ours: when `signal` aborts, the pending read fails at once (fetch aborts the body), and the
 * reader is cancelled on every exit path so the connection is released.
 */
export async function forEachJsonLine(
  body: ReadableStream<Uint8Array> | null,
  what: string,
  alive: () => void,
  onValue: (value: unknown) => void,
): Promise<void> {
  if (!body) return;
  const reader = body
    // Every chunk counts as life for the idle timeout, even in the middle of a long line.
    .pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          alive();
          controller.enqueue(chunk);
        },
      }),
    )
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new JsonLinesStream(what))
    .getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      onValue(value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
