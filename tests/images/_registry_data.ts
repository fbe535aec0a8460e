import { type PodmanClient, RegistryData } from "../../mod.ts";

/**
 * A RegistryData for `name` bound to `client`, as if the registry had answered with a single
 * OCI manifest of the image `id`: for tests of the model's methods, with no registry involved.
 */
export function registryDataOf(client: PodmanClient, name: string, id: string): RegistryData {
  return new RegistryData(name, {
    source: "registry",
    url: `http://${name}`,
    digest: `sha256:${id}`,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    size: 1,
    platforms: [],
    manifest: {},
  }, {
    requester: client,
    toImage: (attrs) => client.images.prepareModel(attrs),
  });
}
