import { createTarWriter, type TarWriter } from "../../../tar/writer.ts";

/**
 * Runs `produce` into a fresh tar writer and returns the archive as a stream. Cancelling the
 * stream (or aborting `signal`) stops the producer; `cancel()` resolves once it has stopped
 * and closed its files.
 */
export function streamTar(
  produce: (writer: TarWriter) => Promise<void>,
  signal: AbortSignal,
): { stream: ReadableStream<Uint8Array>; failure(): unknown } {
  const writer = createTarWriter();
  let failure: unknown;
  let cancelled = false;
  const stop = (reason: unknown): void => {
    try {
      writer.abort(reason);
    } catch {
      // Already finished.
    }
  };
  const onAbort = (): void => stop(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const done = (async () => {
    try {
      await produce(writer);
      writer.finalize();
    } catch (error) {
      // Failing because the reader left is no failure of the packing.
      if (!signal.aborted && !cancelled) failure ??= error;
      stop(error);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  })();
  const archive = writer.readable.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await archive.read();
      } catch (error) {
        // Fail with the producer's own reason, once it has let go of its files.
        await done;
        throw failure ?? error;
      }
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    async cancel(reason) {
      cancelled = true;
      await archive.cancel(reason);
      await done;
    },
  }, { highWaterMark: 0 });
  return { stream, failure: () => failure };
}
