/**
 * Case 8's server (and case 10's), in its own process so that making the bytes does not share
 * a core's time with the parsing being measured: a fake libpod (tests/fake/fake_podman.ts)
 * whose pull answers `totalBytes` of progress lines, ending with the line that names the
 * image, and whose inspect answers for that image. The lines are Docker-style (`shape`
 * `"docker"`, Podman 4.8 to 5.x with `compatMode`), or Podman 6's libpod lines with byte
 * progress (`"pullProgress"`, as Podman 6.1 writes them; the server then says it is 6.1.1, so
 * podrx asks for them as it would of a real one). Prints `ready` once it listens; stops on
 * SIGTERM.
 *
 * Params: `{ totalBytes, shape? }` (`shape` defaults to `"docker"`). Prints the socket path
 * after `ready `.
 *
 * @module
 */

import { startFakePodman } from "../../tests/fake/fake_podman.ts";

const params = JSON.parse(Deno.args[0]!) as {
  totalBytes: number;
  shape?: "docker" | "pullProgress";
};
const shape = params.shape ?? "docker";
const IMAGE_ID = "abcdef012345".padEnd(64, "0");
// A 12-hex layer id, as Docker-style lines carry (a non-hex id is a tag, reported as status).
const LAYER_ID = "0123456789ab";
// Podman 6 names a layer by its whole digest.
const LAYER_DIGEST = `sha256:${LAYER_ID.padEnd(64, "f")}`;

/** One progress line of the chosen shape. */
function progressLine(current: number, total: number): string {
  if (shape === "docker") {
    return JSON.stringify({
      status: "Downloading",
      progressDetail: { current, total },
      id: LAYER_ID,
    });
  }
  return JSON.stringify({
    status: "pulling",
    stream: "Pulling artifact",
    pullProgress: { status: "pulling", current, total, progressComponentID: LAYER_DIGEST },
  });
}

/** One block of whole lines, about 1 MiB, with growing `current` values. */
function progressBlock(): Uint8Array {
  const lines: string[] = [];
  let size = 0;
  const total = 1_000_000_000;
  for (let current = 0; size < 1 << 20; current += 4096) {
    const line = progressLine(current, total) + "\n";
    lines.push(line);
    size += line.length;
  }
  return new TextEncoder().encode(lines.join(""));
}

const block = progressBlock();
const blocks = Math.max(1, Math.round(params.totalBytes / block.byteLength));
const lastLine = new TextEncoder().encode(
  JSON.stringify(
    shape === "docker"
      ? { status: "Download complete", progressDetail: {}, id: IMAGE_ID.slice(0, 12) }
      : { status: "success", images: [IMAGE_ID], id: IMAGE_ID },
  ) + "\n",
);
const linesPerBlock = new TextDecoder().decode(block).split("\n").length - 1;

const fake = await startFakePodman((_request, url) => {
  if (url.pathname.endsWith("/images/pull")) {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent < blocks) {
          sent++;
          controller.enqueue(block.slice());
        } else {
          controller.enqueue(lastLine.slice());
          controller.close();
        }
      },
    }, { highWaterMark: 2 });
    return new Response(body, { headers: { "Content-Type": "application/json" } });
  }
  if (url.pathname.endsWith("/json")) {
    return Response.json({ Id: IMAGE_ID, RepoTags: ["localhost/bench/progress:1"] });
  }
  return new Response("not found", { status: 404 });
}, { apiVersion: shape === "docker" ? "4.3.1" : "6.1.1" });

Deno.addSignalListener("SIGTERM", () => {
  fake.close().finally(() => Deno.exit(0));
});
// deno-lint-ignore no-console -- the runner waits for this line
console.log(
  `ready ${
    JSON.stringify({
      socketPath: fake.socketPath,
      bytes: blocks * block.byteLength + lastLine.byteLength,
      lines: blocks * linesPerBlock + 1,
    })
  }`,
);
