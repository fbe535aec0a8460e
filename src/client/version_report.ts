/**
 * The service's report from `GET /libpod/version`: the server's fields (podman-py's names) in
 * camelCase, and the report as sent on `attrs`.
 */
export interface VersionReport {
  /** Podman version, e.g. `4.3.1`. */
  version: string;
  /** Docker-compatible API version (e.g. `1.41`); the libpod one is under `components`. */
  apiVersion: string;
  /** Lowest API version the service accepts, when it says. */
  minApiVersion?: string;
  /** Operating system of the service. */
  os: string;
  /** CPU architecture of the service. */
  arch: string;
  /** Kernel version of the service's host, when it says. */
  kernelVersion?: string;
  /** Go version Podman was built with, when it says. */
  goVersion?: string;
  /** Git commit Podman was built from, when it says. */
  gitCommit?: string;
  /** Build time, when it says. */
  buildTime?: string;
  /** Platform name, e.g. `linux/amd64/debian-12`, when it says. */
  platform?: { name: string };
  /** Podman engine, conmon, OCI runtime... with their versions (`[]` when none). */
  components: VersionComponent[];
  /** The report as the server sent it (`Version`, `ApiVersion`, `Components`, ...). */
  attrs: Record<string, unknown>;
}

/** One component of a {@linkcode VersionReport}: Podman's engine, conmon, the OCI runtime... */
export interface VersionComponent {
  /** Its name, e.g. `Podman Engine`. */
  name: string;
  /** Its version. */
  version: string;
  /** More about it, as the server sent it (e.g. `APIVersion` for the engine). */
  details: Record<string, string>;
}

/** Reads the server's PascalCase version report; a field it left out is left out, not made up. */
export function readVersionReport(body: unknown): VersionReport {
  const attrs = typeof body === "object" && body !== null ? body as Record<string, unknown> : {};
  const text = (value: unknown): string => typeof value === "string" ? value : "";
  const optional = (key: string, value: unknown): Record<string, string> =>
    typeof value === "string" ? { [key]: value } : {};
  const platform = attrs.Platform as { Name?: unknown } | undefined;
  const components = Array.isArray(attrs.Components) ? attrs.Components : [];
  return {
    version: text(attrs.Version),
    apiVersion: text(attrs.ApiVersion),
    os: text(attrs.Os),
    arch: text(attrs.Arch),
    ...optional("minApiVersion", attrs.MinAPIVersion),
    ...optional("kernelVersion", attrs.KernelVersion),
    ...optional("goVersion", attrs.GoVersion),
    ...optional("gitCommit", attrs.GitCommit),
    ...optional("buildTime", attrs.BuildTime),
    ...(typeof platform?.Name === "string" ? { platform: { name: platform.Name } } : {}),
    components: components.filter((c) => typeof c === "object" && c !== null).map((c) => ({
      name: text(c.Name),
      version: text(c.Version),
      details: typeof c.Details === "object" && c.Details !== null ? { ...c.Details } : {},
    })),
    attrs,
  };
}
