import { pathSegment } from "../client/request_json.ts";
import { PodmanError } from "../errors.ts";
import type { FleetHost } from "./fleet_host.ts";

/** What {@linkcode sourceArchive} tells of its read. */
export interface ArchiveWatch {
  /** Bytes read so far, after each chunk. */
  read(bytes: number): void;
  /** The read ended: whole, or cut short because every host stopped reading. */
  end(bytes: number, whole: boolean): void;
  /** The source failed. */
  fail(error: unknown): void;
}

/**
 * The source's archive as a stream that asks the source for it on first read; `abort` (or
 * cancelling the stream) aborts the request.
 */
export function sourceArchive(
  source: FleetHost,
  name: string,
  watch: ArchiveWatch,
): { stream: ReadableStream<Uint8Array>; abort: () => void } {
  const action = `Cannot save image "${name}"`;
  const controller = new AbortController();
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let bytes = 0;
  let ended = false;
  const end = (whole: boolean): void => {
    if (ended) return;
    ended = true;
    watch.end(bytes, whole);
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(stream) {
      try {
        if (reader === undefined) {
          const response = await source.client.request({
            path: `/images/${pathSegment(name)}/get`,
            query: { format: "docker-archive" },
            action,
            notFound: "image",
          }, controller.signal);
          if (!response.body) throw new PodmanError(`${action}: the source sent no archive`);
          reader = response.body.getReader();
        }
        const { done, value } = await reader.read();
        if (done) {
          stream.close();
          end(true);
          return;
        }
        bytes += value.byteLength;
        watch.read(bytes);
        stream.enqueue(value);
      } catch (error) {
        if (!ended && !controller.signal.aborted) {
          ended = true;
          watch.fail(error);
        }
        throw error;
      }
    },
    async cancel(reason) {
      end(false);
      controller.abort(reason);
      await reader?.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
  return {
    stream,
    abort: () => {
      end(false);
      controller.abort();
    },
  };
}
