/**
 * The answer node:http gives, as the `Response` podrx reads: status, headers, a body stream and
 * its whole-body readers. Not WHATWG's own `Response`: on Node 24 the first use of `Response` or
 * `Headers` loads undici, 45 to 55 ms here, which was a third of a Node script's cold start and
 * the whole of podrx's lag behind dockerode to a build's first log line (bench/RESULTS.md).
 * Bun and Deno never get one of these.
 *
 * @module
 */
import { concatBytes } from "../bytes/concat_bytes.ts";

/** Header names and values, read as `Headers` reads them (any case, repeats joined). */
export class NodeResponseHeaders {
  readonly #values = new Map<string, string>();

  /** Takes node:http's `rawHeaders`: name, value, name, value... */
  constructor(raw: readonly string[]) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      const before = this.#values.get(name);
      // As `Headers.get`: repeated fields are one value, joined by ", ".
      this.#values.set(name, before === undefined ? value : `${before}, ${value}`);
    }
  }

  /** The value of `name` (any case), or `null`. */
  get(name: string): string | null {
    return this.#values.get(name.toLowerCase()) ?? null;
  }

  /** Whether `name` (any case) is present. */
  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }

  /** Calls `callback` for each header, lower-case names in order of arrival. */
  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.#values) callback(value, name);
  }

  /** `[name, value]` pairs. */
  entries(): IterableIterator<[string, string]> {
    return this.#values.entries();
  }

  /** `[name, value]` pairs. */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#values.entries();
  }
}

/**
 * A response over a body stream. Its readers are on the prototype, as `Response`'s are, so
 * streams/_on_body_end.ts notices its end the same way.
 */
export class NodeResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: NodeResponseHeaders;
  readonly url = "";
  #body: ReadableStream<Uint8Array<ArrayBuffer>> | null;
  #used = false;

  constructor(
    status: number,
    statusText: string,
    headers: NodeResponseHeaders,
    body: ReadableStream<Uint8Array<ArrayBuffer>> | null,
  ) {
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
    this.#body = body;
  }

  /** Whether the status is 2xx. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The body as a stream; `null` when there is none. */
  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.#body;
  }

  /** Whether a whole-body reader (or a reader of `body`) has taken the body. */
  get bodyUsed(): boolean {
    return this.#used || (this.#body?.locked ?? false);
  }

  /** The body whole, as bytes. */
  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.bodyUsed) throw new TypeError("Body is unusable: body has already been read");
    this.#used = true;
    if (!this.#body) return new Uint8Array();
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.#body) chunks.push(chunk);
    // Each chunk is a copy of its own (_node_response.ts makes them): one needs no other.
    return chunks.length === 1 ? chunks[0] as Uint8Array<ArrayBuffer> : concatBytes(chunks);
  }

  /** The body whole, as an `ArrayBuffer`. */
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes.buffer
      : bytes.slice().buffer;
  }

  /** The body whole, as UTF-8 text. */
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  /** The body whole, parsed as JSON. */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /** The body whole, as a `Blob`. */
  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()], {
      type: this.headers.get("content-type") ?? "",
    });
  }

  /** Not offered: podrx reads no form data. */
  formData(): Promise<FormData> {
    return Promise.reject(new TypeError("a response from Podman is not read as form data"));
  }
}
