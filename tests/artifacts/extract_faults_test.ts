// What a real Podman cannot be made to send: an extract archive whose names climb out of the
// target directory, or that ends in the middle of a file. A fake server answers the extract
// request with such archives; the first file of a broken archive must stay whole, the broken
// one must leave nothing under its name, and nothing may land outside the directory.
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { PodmanError } from "../../mod.ts";
import { createTarWriter } from "../../src/tar/writer.ts";
import { startFakePodman } from "../fake/fake_podman.ts";

async function archive(entries: [string, Uint8Array][]): Promise<Uint8Array<ArrayBuffer>> {
  const writer = createTarWriter();
  const bytes = new Response(writer.readable).bytes();
  for (const [name, data] of entries) {
    await writer.add({ name, size: data.byteLength, mode: 0o644 }, data);
  }
  writer.finalize();
  return await bytes;
}

async function listing(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("extract() refuses an entry that would land outside the directory, and writes nothing there", async () => {
  const evil = await archive([["../evil.txt", new TextEncoder().encode("gotcha")]]);
  await using fake = await startFakePodman(() => new Response(evil), { apiVersion: "5.8.6" });
  const root = await Deno.makeTempDir();
  try {
    await assert.rejects(
      lastValueFrom(fake.client.artifacts.extract("localhost/a:1", `${root}/into`)),
      (error: unknown) =>
        error instanceof PodmanError &&
        error.message.startsWith(`Cannot extract artifact "localhost/a:1" into "${root}/into": `) &&
        /refused/.test(error.message),
    );
    assert.deepEqual(await listing(root), ["into"]);
    assert.deepEqual(await listing(`${root}/into`), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("extract() of an archive cut in the middle of a file keeps the files before it and no part of that one", async () => {
  const first = new TextEncoder().encode("whole");
  const second = new Uint8Array(100_000).fill(7);
  const whole = await archive([["first.txt", first], ["second.bin", second]]);
  // Cut in the second file's data: its header and some of its bytes arrive, then the end.
  const cut = whole.subarray(0, 512 * 3 + 40_000);
  await using fake = await startFakePodman(() => new Response(cut), { apiVersion: "5.8.6" });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/second.bin`, "older");
    await assert.rejects(
      lastValueFrom(fake.client.artifacts.extract("localhost/a:1", dir)),
      (error: unknown) =>
        error instanceof PodmanError && /Cannot extract artifact/.test(error.message),
    );
    assert.deepEqual(await Deno.readFile(`${dir}/first.txt`), first);
    // The file that was there before is as it was, and no partial file is left.
    assert.equal(await Deno.readTextFile(`${dir}/second.bin`), "older");
    assert.deepEqual(await listing(dir), ["first.txt", "second.bin"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("extractFile() of an archive cut short errors instead of ending as if the file were whole", async () => {
  const whole = await archive([["weights.bin", new Uint8Array(50_000).fill(1)]]);
  await using fake = await startFakePodman(() => new Response(whole.subarray(0, 20_000)), {
    apiVersion: "5.8.6",
  });
  await assert.rejects(
    lastValueFrom(fake.client.artifacts.extractFile("localhost/a:1", { title: "weights.bin" })),
    PodmanError,
  );
});
