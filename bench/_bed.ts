/**
 * The bench's own services and fixtures: a private Podman service (its own storage, vfs,
 * chroot builds) started with `PodmanClient.spawn()`, an open registry from the test bed's
 * `startRegistry()`, and the images, archives and contexts the cases use, all made offline.
 *
 * The Podman is the host's, or with `PODRX_PODMAN=trixie|sid|experimental` a Debian chroot's
 * (`.ci/chroot/build SUITE`), picked as the test bed picks it (tests/bed/select_podman.ts).
 *
 * @module
 */

import { PodmanClient } from "../mod.ts";
import { podmanProgram } from "../tests/bed/env.ts";
import { startRegistry } from "../tests/bed/registry.ts";
import { selectPodman } from "../tests/bed/select_podman.ts";

/** The running services. */
export interface Bed {
  client: PodmanClient;
  socketPath: string;
  apiVersion: string;
  podmanVersion: string;
  registry: string;
  /** Runs the Podman CLI on the service's storage; throws on failure, returns stdout. */
  podman(args: readonly string[]): Promise<string>;
  /** The command line of the Podman CLI on the service's storage, for a timed baseline. */
  podmanCommand(args: readonly string[]): string[];
  /** The environment the CLI runs with (add it to a baseline's). */
  podmanEnv: Record<string, string>;
  /** A raw libpod request on the service's socket (setup and cleanup, never timed). */
  api(method: string, path: string, body?: BodyInit, headers?: HeadersInit): Promise<Response>;
  stop(): Promise<void>;
}

const BUSYBOX_APPLETS = ["sh", "echo", "sleep", "cat", "ls"];

/** Starts the registry, then the Podman service that may use it over plain HTTP. */
export async function startBed(workDir: string): Promise<Bed> {
  // Before anything else: for a chroot it sets the program the service and the CLI run.
  await selectPodman();
  const program = podmanProgram();
  const registry = await startRegistry();
  let client: PodmanClient;
  const registriesConf = `${workDir}/registries.conf`;
  try {
    await Deno.writeTextFile(
      registriesConf,
      `unqualified-search-registries = []\n\n[[registry]]\nlocation = "${registry.address}"\ninsecure = true\n`,
    );
    client = await PodmanClient.spawn({
      podmanPath: program,
      storage: "private",
      // vfs works without kernel overlay support, like the test bed.
      storageDriver: "vfs",
      registriesConf,
      env: { BUILDAH_ISOLATION: "chroot", CONTAINERS_REGISTRIES_CONF: registriesConf },
    });
  } catch (error) {
    await registry.stop();
    throw error;
  }
  const service = client.service!;
  const http = Deno.createHttpClient({ proxy: { transport: "unix", path: service.socketPath } });
  const apiVersion = await client.apiVersion();
  const env = { BUILDAH_ISOLATION: "chroot", CONTAINERS_REGISTRIES_CONF: registriesConf };
  const flags = ["--root", service.root!, "--runroot", service.runroot!, "--storage-driver", "vfs"];

  function podmanCommand(args: readonly string[]): string[] {
    return [program, ...flags, ...args];
  }

  async function podman(args: readonly string[]): Promise<string> {
    const output = await new Deno.Command(program, { args: [...flags, ...args], env }).output();
    const decoder = new TextDecoder();
    if (output.code !== 0) {
      throw new Error(`podman ${args.join(" ")} failed: ${decoder.decode(output.stderr)}`);
    }
    return decoder.decode(output.stdout);
  }

  function api(
    method: string,
    path: string,
    body?: BodyInit,
    headers?: HeadersInit,
  ): Promise<Response> {
    return fetch(`http://libpod/v${apiVersion}/libpod${path}`, {
      method,
      body: body ?? null,
      headers: headers ?? {},
      client: http,
    });
  }

  const version = await (await api("GET", "/version")).json() as { Version: string };
  return {
    client,
    socketPath: service.socketPath,
    apiVersion,
    podmanVersion: version.Version,
    registry: registry.address,
    podman,
    podmanCommand,
    podmanEnv: env,
    api,
    async stop() {
      http.close();
      try {
        await client.close();
      } finally {
        await registry.stop();
      }
    },
  };
}

async function run(command: string, args: readonly string[]): Promise<void> {
  const output = await new Deno.Command(command, { args: [...args], stdin: "null" }).output();
  if (output.code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
}

/** Imports a busybox-static rootfs as `name` (a shell for `RUN`), like the test bed's seed. */
export async function seedBusybox(bed: Bed, workDir: string, name: string): Promise<string> {
  const rootfs = `${workDir}/busybox-rootfs`;
  await Deno.mkdir(`${rootfs}/bin`, { recursive: true });
  await Deno.copyFile("/bin/busybox", `${rootfs}/bin/busybox`);
  await Deno.chmod(`${rootfs}/bin/busybox`, 0o755);
  for (const applet of BUSYBOX_APPLETS) await Deno.symlink("busybox", `${rootfs}/bin/${applet}`);
  const tar = `${workDir}/busybox.tar`;
  await run("tar", ["-cf", tar, "-C", rootfs, "--numeric-owner", "--owner=0", "--group=0", "."]);
  await bed.podman(["import", "--change", 'CMD ["/bin/sh"]', tar, name]);
  await Deno.remove(rootfs, { recursive: true });
  await Deno.remove(tar);
  return (await bed.podman(["image", "inspect", "--format", "{{.Id}}", name])).trim();
}

/**
 * Imports `count` tiny images (one distinct file each) through the API, so that `list()`
 * has that many more entries.
 */
export async function seedListImages(bed: Bed, workDir: string, count: number): Promise<void> {
  const dir = `${workDir}/list-rootfs`;
  await Deno.mkdir(dir, { recursive: true });
  for (let index = 0; index < count; index++) {
    await Deno.writeTextFile(`${dir}/marker.txt`, `bench list image ${index}\n`);
    const tar = `${workDir}/list.tar`;
    await run("tar", ["-cf", tar, "-C", dir, "marker.txt"]);
    const query = new URLSearchParams({
      reference: `localhost/bench/list:${index}`,
      changes: `LABEL bench.list=${index}`,
    });
    const response = await bed.api("POST", `/images/import?${query}`, await Deno.readFile(tar), {
      "Content-Type": "application/x-tar",
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`Cannot import a list image: ${text}`);
  }
  await Deno.remove(dir, { recursive: true });
}

/** Writes `bytes` of random data to `path` (openssl is fast; /dev/urandom otherwise). */
export async function randomFile(path: string, bytes: number): Promise<void> {
  try {
    await run("openssl", ["rand", "-out", path, String(bytes)]);
  } catch {
    await run("sh", ["-c", `head -c ${bytes} /dev/urandom > '${path}'`]);
  }
}

/**
 * Makes an image holding one random file of `bytes` (a rootfs tar imported with the CLI),
 * saves it as a named docker-archive with `saveToFile`, and returns the image's id. The image
 * stays in storage.
 */
export async function makeBigImage(
  bed: Bed,
  workDir: string,
  name: string,
  bytes: number,
  archivePath: string,
): Promise<string> {
  const rootfs = `${workDir}/big-rootfs`;
  await Deno.mkdir(rootfs, { recursive: true });
  await randomFile(`${rootfs}/payload.bin`, bytes);
  const tar = `${workDir}/big-rootfs.tar`;
  await run("tar", ["-cf", tar, "-C", rootfs, "--numeric-owner", "--owner=0", "--group=0", "."]);
  await Deno.remove(rootfs, { recursive: true });
  try {
    await bed.podman(["import", tar, name]);
  } finally {
    await Deno.remove(tar);
  }
  const { lastValueFrom } = await import("rxjs");
  const image = await lastValueFrom(bed.client.images.get(name));
  await lastValueFrom(image.saveToFile(archivePath, { named: name }));
  return image.id;
}

/** Removes an image by name or id if it is there (force; untimed cleanup). */
export async function removeImage(bed: Bed, name: string): Promise<void> {
  const response = await bed.api("DELETE", `/images/${encodeURIComponent(name)}?force=true`);
  await response.body?.cancel();
  if (response.status !== 200 && response.status !== 404) {
    throw new Error(`Cannot remove ${name}: HTTP ${response.status}`);
  }
}

/**
 * A build context of `files` files holding `bytes` of random data in all, spread over
 * directories of 200 files, with a trivial Dockerfile.
 */
export async function makeContext(dir: string, files: number, bytes: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const blobPath = `${dir}.blob`;
  await randomFile(blobPath, bytes);
  const blob = await Deno.open(blobPath, { read: true });
  try {
    const base = Math.floor(bytes / files);
    let remaining = bytes;
    for (let index = 0; index < files; index++) {
      const size = index === files - 1 ? remaining : base;
      remaining -= size;
      const sub = `${dir}/d${String(Math.floor(index / 200)).padStart(3, "0")}`;
      if (index % 200 === 0) await Deno.mkdir(sub);
      const data = new Uint8Array(size);
      let filled = 0;
      while (filled < size) {
        const read = await blob.read(data.subarray(filled));
        if (read === null) throw new Error("the random blob ended early");
        filled += read;
      }
      await Deno.writeFile(`${sub}/f${String(index).padStart(5, "0")}.bin`, data);
    }
  } finally {
    blob.close();
    await Deno.remove(blobPath);
  }
  await Deno.writeTextFile(`${dir}/Dockerfile`, "FROM scratch\nLABEL podrx.bench=context\n");
}
