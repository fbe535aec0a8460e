import type { OperationOptions } from "../../client/operation.ts";

/** An image archive to load: a file path, bytes, a Blob or a byte stream. */
export type LoadSource = string | URL | Uint8Array | Blob | ReadableStream<Uint8Array>;

/** Options for {@linkcode ImagesManager.load}. */
export interface LoadOptions extends OperationOptions {
  /**
   * How an archive given as a file path reaches the service. `"auto"`: Podman 5.7 and later
   * read it in place (`POST /libpod/local/images/load`) when the client reaches the service
   * over a Unix socket and the service is proven to see the file's directory as this process
   * does (podrx writes a small probe file there, has the service read it, and removes it;
   * once per client and directory); otherwise the file is uploaded. `"upload"`: always
   * uploaded. `"local"`: read in place, or an error before the archive is sent when the
   * service cannot. Bytes, Blobs and streams are always uploaded (`"local"` refuses them).
   * @default {"auto"}
   */
  via?: "auto" | "upload" | "local";
}
