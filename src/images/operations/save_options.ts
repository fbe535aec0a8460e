import type { OperationOptions } from "../../client/operation.ts";

/** Options for {@linkcode Image.save}. */
export interface SaveOptions extends OperationOptions {
  /**
   * Name the image in the archive: `true` for its first tag (its id when it has none), or one
   * of its tags. Without it the archive holds the image by id only, and `load()` brings it
   * back untagged. The name is what the request asks the server for: Podman writes the name
   * it was asked for into the archive.
   * @default {false}
   */
  named?: boolean | string;
  /**
   * Archive format. `docker-archive` is what `load()` and `docker load` accept; the two
   * directory formats come as a tar of the directory.
   * @default {"docker-archive"}
   */
  format?: "docker-archive" | "oci-archive" | "oci-dir" | "docker-dir";
}
