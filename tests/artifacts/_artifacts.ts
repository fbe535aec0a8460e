/**
 * What the artifact tests share: a client on the bed, fresh names, reading an artifact's
 * manifest from a registry over HTTP, and the CLI's view of the store.
 *
 * @module
 */

import assert from "node:assert/strict";
import { lastValueFrom, type Observable, toArray } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { podmanCli, testBed } from "../bed/env.ts";
import { serverAtLeast } from "../bed/server_version.ts";

const bed = testBed();

/** Whether the bed's server has the artifacts API (Podman 5.6 and later). */
export function serverHasArtifacts(): Promise<boolean> {
  return serverAtLeast(5, 6);
}

/** A client on the bed's socket. */
export function connect(): PodmanClient {
  return new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
}

let counter = 0;

/** A name no other test uses, in `registry` (the open one by default). */
export function artifactName(what: string, registry = bed.registry): string {
  counter++;
  return `${registry}/podrx-art/${what}-${Date.now().toString(36)}-${counter}:1`;
}

/** Every event of a stream, or the error it ended with. */
export function collect<T>(events: Observable<T>): Promise<{ events: T[]; error: unknown }> {
  const seen: T[] = [];
  return new Promise((resolve) =>
    events.subscribe({
      next: (event) => seen.push(event),
      error: (error: unknown) => resolve({ events: seen, error }),
      complete: () => resolve({ events: seen, error: undefined }),
    })
  );
}

/** Every event of a stream that must complete. */
export function all<T>(events: Observable<T>): Promise<T[]> {
  return lastValueFrom(events.pipe(toArray()));
}

/** An OCI manifest as a registry holds it. */
export interface RegistryArtifactManifest {
  artifactType?: string;
  mediaType: string;
  config: { mediaType: string };
  layers: {
    mediaType: string;
    digest: string;
    size: number;
    annotations?: Record<string, string>;
  }[];
  annotations?: Record<string, string>;
}

/**
 * The manifest of `name` (`host:port/path:tag`) read from its registry over HTTP, and the
 * digest the registry gives it; `undefined` when the registry has no such tag.
 */
export async function registryManifest(
  name: string,
  headers: Record<string, string> = {},
): Promise<{ manifest: RegistryArtifactManifest; digest: string } | undefined> {
  const match = /^([^/]+)\/(.+):([^:/]+)$/.exec(name);
  assert.ok(match, `not host/path:tag: ${name}`);
  const [, host, path, tag] = match;
  const response = await fetch(`http://${host}/v2/${path}/manifests/${tag}`, {
    headers: { ...headers, accept: "application/vnd.oci.image.manifest.v1+json" },
  });
  const text = await response.text();
  if (response.status === 404) return undefined;
  assert.equal(response.status, 200, text);
  return {
    manifest: JSON.parse(text),
    digest: response.headers.get("docker-content-digest") ?? "",
  };
}

/** `podman artifact inspect NAME` on the bed's storage, parsed. */
export async function cliInspect(name: string): Promise<{
  Name: string;
  Digest: string;
  Manifest: RegistryArtifactManifest;
}> {
  const result = await podmanCli(["artifact", "inspect", name]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** `podman artifact ls` names on the bed's storage. */
export async function cliNames(): Promise<string[]> {
  const result = await podmanCli(["artifact", "ls", "--format", "{{.Repository}}:{{.Tag}}"]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.split("\n").filter((line) => line !== "");
}

/** Bytes made from a seed, the same for the same seed and size. */
export function seededBytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}
