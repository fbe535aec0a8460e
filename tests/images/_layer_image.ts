/**
 * An image with one big layer, put straight into a registry over its HTTP API (no Podman,
 * no compression), so a pull of it moves a known number of bytes: the blob sizes the
 * registry itself reports.
 *
 * @module
 */

import { BLOCK_BYTES, encodeTarHeader } from "../../src/tar/header.ts";

/** One blob of the image, as the registry stores it. */
export interface PushedBlob {
  /** `sha256:<64 hex>`. */
  digest: string;
  /** Size in bytes. */
  size: number;
}

/** What {@linkcode pushLayerImage} put in the registry. */
export interface LayerImage {
  /** `registry/repository:tag`. */
  reference: string;
  /** The layer: an uncompressed tar holding one file. */
  layer: PushedBlob;
  /** The config blob; its digest is the image's id. */
  config: PushedBlob;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${Array.from(hash, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/** A tar of one file of `fileBytes` bytes; the content differs per call (a random seed). */
function layerTar(fileBytes: number): Uint8Array<ArrayBuffer> {
  const padded = Math.ceil(fileBytes / BLOCK_BYTES) * BLOCK_BYTES;
  const tar = new Uint8Array(BLOCK_BYTES + padded + 2 * BLOCK_BYTES);
  tar.set(encodeTarHeader({ name: "payload.bin", size: fileBytes }), 0);
  // 64 KiB of random bytes, repeated: unique per image, and quick to make at any size.
  const body = tar.subarray(BLOCK_BYTES, BLOCK_BYTES + fileBytes);
  crypto.getRandomValues(body.subarray(0, Math.min(fileBytes, 65_536)));
  for (let filled = 65_536; filled < fileBytes; filled *= 2) body.copyWithin(filled, 0, filled);
  return tar;
}

async function uploadBlob(
  registry: string,
  repository: string,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<PushedBlob> {
  const digest = await sha256(bytes);
  const start = await fetch(`http://${registry}/v2/${repository}/blobs/uploads/`, {
    method: "POST",
  });
  await start.body?.cancel();
  const location = start.headers.get("location");
  if (start.status !== 202 || location === null) {
    throw new Error(`Cannot start a blob upload to ${registry}: HTTP ${start.status}`);
  }
  const url = new URL(location, `http://${registry}`);
  url.searchParams.set("digest", digest);
  const put = await fetch(url, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: bytes,
  });
  const text = await put.text();
  if (put.status !== 201) throw new Error(`Cannot upload blob ${digest}: ${put.status} ${text}`);
  return { digest, size: bytes.byteLength };
}

/**
 * Puts an OCI image of one uncompressed layer (a tar holding one file of `fileBytes` bytes)
 * into an open registry as `repository:tag`.
 *
 * @returns The reference and the registry's blobs.
 */
export async function pushLayerImage(
  registry: string,
  repository: string,
  tag: string,
  fileBytes: number,
): Promise<LayerImage> {
  const tar = layerTar(fileBytes);
  const layer = await uploadBlob(registry, repository, tar);
  const configBytes = new TextEncoder().encode(JSON.stringify({
    architecture: { x86_64: "amd64", aarch64: "arm64" }[Deno.build.arch],
    os: "linux",
    config: {},
    rootfs: { type: "layers", diff_ids: [layer.digest] },
  }));
  const config = await uploadBlob(registry, repository, configBytes);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
  });
  const put = await fetch(`http://${registry}/v2/${repository}/manifests/${tag}`, {
    method: "PUT",
    headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
    body: manifest,
  });
  const text = await put.text();
  if (put.status !== 201) throw new Error(`Cannot put the manifest: ${put.status} ${text}`);
  return { reference: `${registry}/${repository}:${tag}`, layer, config };
}
