import type { ImageRef } from "../../images/operations/images_context.ts";

/**
 * How Podman's manifest endpoints name an image to add: a string goes as given (a bare name is
 * read from its registry, `containers-storage:NAME` from local storage, as with
 * `podman manifest add`); a local image model is named in local storage, by its first tag (an
 * instance keeps that name in messages) or else its id.
 */
export function imageSource(image: ImageRef | string): string {
  if (typeof image === "string") return image;
  return `containers-storage:${image.tags[0] ?? image.id}`;
}

/** Checks the images to add: strings that are not empty, or image models. */
export function requireImages(images: unknown, action: string): (ImageRef | string)[] {
  if (!Array.isArray(images)) {
    throw new TypeError(`${action}: images must be an array of names or images`);
  }
  for (const image of images) {
    const valid = typeof image === "string"
      ? image.trim() !== ""
      : typeof image === "object" && image !== null && typeof image.id === "string";
    if (!valid) throw new TypeError(`${action}: every image must be a non-empty name or an Image`);
  }
  return images;
}
