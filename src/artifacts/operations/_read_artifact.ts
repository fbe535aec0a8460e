import { PodmanError } from "../../errors.ts";
import { Artifact, type ArtifactAttrs } from "../artifact.ts";

/**
 * The model of what the server reports about one artifact. A report without a name or a
 * manifest with layers is the server's fault, and says so rather than making a model of it.
 */
export function readArtifact(body: unknown, action: string): Artifact {
  const attrs = body as Partial<ArtifactAttrs> | null;
  if (
    typeof attrs !== "object" || attrs === null || typeof attrs.Name !== "string" ||
    typeof attrs.Manifest !== "object" || attrs.Manifest === null ||
    !Array.isArray(attrs.Manifest.layers ?? [])
  ) {
    throw new PodmanError(`${action}: the server's report is not an artifact`);
  }
  return new Artifact(attrs as ArtifactAttrs);
}

/** The models of a list report (`null` from some servers when there is none). */
export function readArtifactList(body: unknown, action: string): Artifact[] {
  if (body === null || body === undefined) return [];
  if (!Array.isArray(body)) throw new PodmanError(`${action}: the server's report is not a list`);
  return body.map((entry) => readArtifact(entry, action));
}

/** The digest in an add, pull or push report (`{"ArtifactDigest": "sha256:..."}`). */
export function reportedDigest(body: unknown, action: string): string {
  const digest = (body as { ArtifactDigest?: unknown } | null)?.ArtifactDigest;
  if (typeof digest !== "string" || digest === "") {
    throw new PodmanError(`${action}: the server's report has no artifact digest`);
  }
  return digest;
}
