// Podman writes an image id as 64 hex digits in most reports and as `sha256:<hex>` in others
// (load's names), other servers and podman-py's fixtures use either, and Podman 6 warns that
// ids will change form for images that are not wholly sha256-based, and may stop being
// digests at all. So podrx keeps and sends back every id exactly as the server wrote it:
// these helpers only compare and recognise ids, never rewrite one.

// `algorithm:` as OCI digests write it (`sha256:`, `sha512:`, `multihash+base58:`).
const ALGORITHM = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:/;

// An id written out alone, e.g. as a build's last log line: `algorithm:encoded`, or bare hex.
// At least 32 characters encoded (128 bits), so that a log line such as `key:value` or a short
// hex word is not taken for one.
const ID_TEXT = /^(?:[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}|[0-9a-f]{32,})$/;

/** The `algorithm:` that starts `id` (`sha256:`), or `""` when it has none. */
export function algorithmOf(id: string): string {
  return ALGORITHM.exec(id)?.[0] ?? "";
}

/**
 * The first 12 characters of an id or digest after its `algorithm:` (kept when it has one),
 * as messages show it: `sha256:0a1b2c3d4e5f`, or `0a1b2c3d4e5f`.
 */
export function shortId(id: string): string {
  return id.slice(0, algorithmOf(id).length + 12);
}

/** Whether `text` is an image id written out alone (`algorithm:encoded`, or bare hex). */
export function isImageIdText(text: string): boolean {
  return ID_TEXT.test(text);
}

/**
 * Whether `prefix` starts the image id `id`: as written, or with an `algorithm:` on one side
 * only (`sha256:0a1b` starts `0a1b2c...`, `0a1b` starts `sha256:0a1b2c...`). Neither is
 * rewritten; an empty prefix starts nothing.
 */
export function imageIdStartsWith(id: string, prefix: string): boolean {
  if (prefix === "") return false;
  if (id.startsWith(prefix)) return true;
  const idAlgorithm = algorithmOf(id);
  const prefixAlgorithm = algorithmOf(prefix);
  // With both written out, differing algorithms are different ids.
  if ((idAlgorithm === "") === (prefixAlgorithm === "")) return false;
  const encoded = prefix.slice(prefixAlgorithm.length);
  return encoded !== "" && id.slice(idAlgorithm.length).startsWith(encoded);
}

/** Whether `a` and `b` are one image id: the same text, or `algorithm:x` and bare `x`. */
export function sameImageId(a: string, b: string): boolean {
  return a === b || (imageIdStartsWith(a, b) && imageIdStartsWith(b, a));
}

/** `ids` without repeats, each kept in the form it first came in (`sha256:x` then `x`: one). */
export function distinctImageIds(ids: readonly string[]): string[] {
  const distinct: string[] = [];
  for (const id of ids) {
    if (!distinct.some((kept) => sameImageId(kept, id))) distinct.push(id);
  }
  return distinct;
}
