import type { ApiRequest } from "../../client/api_request.ts";
import { checkOperationOptions } from "../../client/operation.ts";
import { pathSegment } from "../../client/request_json.ts";
import { requireOneOf } from "../../vocabulary/one_of.ts";
import type { ImageRef } from "./images_context.ts";
import type { SaveOptions } from "./save_options.ts";

const FORMATS: readonly string[] = ["docker-archive", "oci-archive", "oci-dir", "docker-dir"];

function archiveName(image: ImageRef, named: unknown, action: string): string {
  if (named === undefined || named === false) return image.id;
  if (named === true) return image.tags[0] ?? image.id;
  if (typeof named === "string") {
    if (!image.tags.includes(named)) {
      const tags = image.tags.length ? image.tags.map((tag) => `"${tag}"`).join(", ") : "none";
      throw new RangeError(`${action}: "${named}" is not one of its tags (${tags})`);
    }
    return named;
  }
  throw new TypeError(`${action}: named must be a boolean or one of the image's tags`);
}

/** Checks the options and builds the request, before anything is sent. */
export function saveRequest(image: ImageRef, options: SaveOptions): ApiRequest {
  checkOperationOptions(options, `Cannot save image "${image.name}"`);
  const format = options.format ?? "docker-archive";
  const name = archiveName(image, options.named, `Cannot save image "${image.name}"`);
  const action = `Cannot save image "${name === image.id ? image.name : name}"`;
  requireOneOf(format, FORMATS, "format", action);
  // By id, the archive has no name; by name, the server writes that name into it.
  return { path: `/images/${pathSegment(name)}/get`, query: { format }, action, notFound: "image" };
}

/** What a save's errors start with: the name the archive is saved under, when it is valid. */
export function saveAction(image: ImageRef, options: SaveOptions): string {
  try {
    return saveRequest(image, options).action;
  } catch {
    return `Cannot save image "${image.name}"`;
  }
}
