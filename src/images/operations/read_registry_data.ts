import { deferredOperation, type Operation } from "../../async/operation.ts";
import { checkOperationOptions, operation, type OperationOptions } from "../../client/operation.ts";
import { readManifest, type RegistryManifest } from "../../registry/read_manifest.ts";
import { parseReference, requireName } from "../../vocabulary/reference.ts";
import type { AuthConfig } from "../../vocabulary/registry_auth.ts";
import type { Requester } from "../../client/requester.ts";

/** Options for {@linkcode ImagesManager.getRegistryData}. */
export interface RegistryDataOptions extends OperationOptions {
  /**
   * Credentials for the registry, sent only when it asks for them (basic auth, or to the
   * token service it names) and never to another host it redirects to.
   */
  authConfig?: AuthConfig;
  /**
   * Require HTTPS with a verified certificate. `false` also allows plain HTTP (tried after
   * HTTPS), as Podman's `--tls-verify=false` does; an HTTPS registry with a certificate this
   * process does not trust still fails.
   * @default {true}
   */
  tlsVerify?: boolean;
}

/**
 * Where {@linkcode RegistryData} came from: always `"registry"`, the registry itself, read
 * by this process (never the local store, never Podman's re-encoding of it).
 */
export type RegistryDataSource = "registry";

/** What {@linkcode readRegistryData} read of the registry's manifest. */
export interface RegistryAnswer extends RegistryManifest {
  /** Always `"registry"`. */
  source: RegistryDataSource;
}

/**
 * Reads an image's manifest from its registry over the Registry HTTP API v2, from this
 * process rather than through the Podman service: Podman 4.3 cannot describe a single image
 * (its manifest inspect answers `{"manifests": null}` or 404) and has no `/distribution`
 * endpoint, and no Podman version reports the registry's digest of a manifest list. A name
 * without a registry is read from Docker Hub (`library/` added to one-part names), as Docker
 * reads it; Podman may resolve short names elsewhere (registries.conf), so name the registry.
 *
 * @returns A cold Observable: on subscribe it reads the manifest (and, for a single image,
 * its config for the platform), emits what the registry said once and completes. Errors are
 * `ImageNotFound` for a manifest the registry does not have, `APIError` for any other
 * registry error (401 without or with wrong credentials), `PodmanError` for a registry that
 * cannot be reached; and, before anything is sent, `TypeError` when the name is empty or
 * `authConfig` is not an object, `RangeError` when the name is not an image reference.
 */
export function readRegistryData(
  requester: Requester,
  name: string,
  options: RegistryDataOptions = {},
): Operation<RegistryAnswer> {
  return deferredOperation(() => `Cannot read registry data of "${name}"`, (action) => {
    checkOperationOptions(options, action);
    requireName(name, action);
    const reference = parseReference(name);
    const auth = options.authConfig;
    if (auth !== undefined && (typeof auth !== "object" || auth === null)) {
      throw new TypeError(`${action}: authConfig must be an object`);
    }
    const registry = reference.registry ?? "docker.io";
    const repository = reference.registry === undefined && !reference.path.includes("/")
      ? `library/${reference.path}`
      : reference.path;
    const target = {
      registry,
      repository,
      reference: reference.digest ?? reference.tag ?? "latest",
    };
    return operation<RegistryAnswer>(action, options, async ({ emit, signal }) => {
      // The caller's credentials win; else the user's own, when the client has them.
      const chosen = auth ?? await requester.registryCredentials?.(name, action, signal);
      const credentials = chosen && {
        username: chosen.username,
        password: chosen.password,
        identityToken: chosen.identityToken,
      };
      const manifest = await readManifest(target, {
        tlsVerify: options.tlsVerify ?? true,
        credentials,
        signal,
        action,
      });
      emit({ source: "registry", ...manifest });
    });
  });
}
