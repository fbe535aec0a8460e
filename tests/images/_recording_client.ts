/**
 * A client on the test bed's socket that records what it sends, for tests that assert which
 * requests went out against the real service.
 *
 * @module
 */

import { PodmanClient, unixSocketTransport } from "../../mod.ts";
import { testBed } from "../bed/env.ts";

/** One request sent: URL, init (headers, abort signal) and, when kept, the answer's text. */
export interface SentRequest {
  /** The request's URL. */
  url: string;
  /** The request's init, as the client gave it. */
  init: RequestInit;
  /** The answer's body as text, for requests `keepAnswer` chose; read beside the client. */
  answer?: Promise<string>;
}

/**
 * A client on the bed's socket that records what it sends: each request in `sent`, and its
 * path (`/v5.0.0/libpod/images/...`) in `paths`, in order, for tests that must show a request
 * never left. `onSend` sees each request as it goes out; `keepAnswer` picks requests whose
 * answer body is kept as text too.
 */
export function recordingClient(
  options: { onSend?: (url: string) => void; keepAnswer?: (url: string) => boolean } = {},
): { podman: PodmanClient; sent: SentRequest[]; paths: string[] } {
  const sent: SentRequest[] = [];
  const paths: string[] = [];
  const real = unixSocketTransport(testBed().socketPath);
  const podman = new PodmanClient({
    transport: {
      origin: real.origin,
      description: real.description,
      fetch: async (url, init) => {
        const request: SentRequest = { url, init };
        sent.push(request);
        paths.push(new URL(url).pathname);
        options.onSend?.(url);
        const response = await real.fetch(url, init);
        if (!options.keepAnswer?.(url) || response.body === null) return response;
        const [kept, passed] = response.body.tee();
        request.answer = new Response(kept).text();
        return new Response(passed, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      },
      close: () => real.close(),
    },
  });
  return { podman, sent, paths };
}
