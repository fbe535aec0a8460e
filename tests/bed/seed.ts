/**
 * Tiny images made offline for the tests, since the bed never pulls from a public registry.
 *
 * @module
 */

import { removeDir } from "./_process.ts";
import type { PodmanService } from "./podman_service.ts";

/** Name of the seeded busybox image. */
export const BUSYBOX_IMAGE = "localhost/podrx-test/busybox:latest";
/** Name of the seeded image that carries the label `podrx.test=seed`. */
export const LABELED_IMAGE = "localhost/podrx-test/scratch-label:1";

/** An image made by {@linkcode seedImages}. */
export interface SeededImage {
  /** Full name with tag. */
  name: string;
  /** Image id (64 hex digits, no `sha256:` prefix). */
  id: string;
}

/** The images made by {@linkcode seedImages}. */
export interface SeededImages {
  /** {@linkcode BUSYBOX_IMAGE}: a static busybox as `/bin/sh` and friends, `CMD ["/bin/sh"]`. */
  busybox: SeededImage;
  /** {@linkcode LABELED_IMAGE}: `FROM scratch` plus a label, made with `podman build`. */
  labeled: SeededImage;
}

// A dynamically linked busybox would have no libc inside the image; busybox-static's is
// self-contained.
const BUSYBOX_BINARY = "/bin/busybox";
const BUSYBOX_APPLETS = ["sh", "echo", "sleep", "cat", "ls"];

/**
 * Creates the test images in the service's storage with the Podman CLI.
 *
 * @param service The Podman service whose storage receives the images.
 * @returns Names and ids of the images.
 * @throws {Error} When a step fails; the message has the command's output.
 */
export async function seedImages(service: Pick<PodmanService, "podman">): Promise<SeededImages> {
  const work = await Deno.makeTempDir({ prefix: "podrx-seed-" });
  try {
    const rootfs = `${work}/rootfs`;
    await Deno.mkdir(`${rootfs}/bin`, { recursive: true });
    await Deno.copyFile(BUSYBOX_BINARY, `${rootfs}/bin/busybox`);
    await Deno.chmod(`${rootfs}/bin/busybox`, 0o755);
    for (const applet of BUSYBOX_APPLETS) {
      await Deno.symlink("busybox", `${rootfs}/bin/${applet}`);
    }
    const tarPath = `${work}/rootfs.tar`;
    await run("tar", [
      "--create",
      "--file",
      tarPath,
      "--directory",
      rootfs,
      "--numeric-owner",
      "--owner=0",
      "--group=0",
      ".",
    ]);
    await podman(service, ["import", "--change", 'CMD ["/bin/sh"]', tarPath, BUSYBOX_IMAGE]);

    const context = `${work}/labeled`;
    await Deno.mkdir(context);
    await Deno.writeTextFile(`${context}/Containerfile`, "FROM scratch\nLABEL podrx.test=seed\n");
    await podman(service, [
      "build",
      "--tag",
      LABELED_IMAGE,
      "--file",
      `${context}/Containerfile`,
      context,
    ]);

    return {
      busybox: { name: BUSYBOX_IMAGE, id: await imageId(service, BUSYBOX_IMAGE) },
      labeled: { name: LABELED_IMAGE, id: await imageId(service, LABELED_IMAGE) },
    };
  } finally {
    await removeDir(work);
  }
}

async function imageId(service: Pick<PodmanService, "podman">, name: string): Promise<string> {
  return (await podman(service, ["image", "inspect", "--format", "{{.Id}}", name])).trim();
}

async function podman(
  service: Pick<PodmanService, "podman">,
  args: readonly string[],
): Promise<string> {
  const result = await service.podman(args);
  if (result.code !== 0) {
    throw new Error(
      `Cannot seed the test images: podman ${args.join(" ")} exited with ${result.code}\n` +
        `${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

async function run(command: string, args: readonly string[]): Promise<void> {
  const output = await new Deno.Command(command, { args: [...args], stdin: "null" }).output();
  if (output.code !== 0) {
    throw new Error(
      `Cannot seed the test images: ${command} exited with ${output.code}\n` +
        new TextDecoder().decode(output.stderr),
    );
  }
}
