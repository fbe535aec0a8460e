/**
 * The runtime seam (src/runtime/) behaves the same on Deno, Node and Bun: written with
 * `node:test`, which all three run (`deno test`, `node --test`, `bun test`), against real
 * files and processes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import process from "node:process";
import { describe, it } from "node:test";
import { isAlreadyExists, isNotFound, isSystemError } from "../../src/runtime/file_errors.ts";
import { files, host, processes } from "../../src/runtime/runtime.ts";
import { RUNTIME } from "../../src/runtime/runtime_name.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function inTempDir(work: (dir: string) => Promise<void>): Promise<void> {
  const dir = await files.makeTempDir({ prefix: "podrx-seam-" });
  try {
    await work(dir);
  } finally {
    await files.remove(dir, { recursive: true });
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

// The executable running this test, to start the fixture on the same runtime.
function runtimeCommand(fixture: string): string[] {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  if (deno) return [deno.execPath(), "run", "-A", fixture];
  return [process.execPath, fixture];
}

describe(`runtime seam on ${RUNTIME}`, () => {
  it("names the runtime it runs on", () => {
    const expected = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
    assert.equal(RUNTIME, expected);
  });

  it("opens files with Deno's flags: createNew, create, truncate, append, write in place", () =>
    inTempDir(async (dir) => {
      const path = `${dir}/a.txt`;
      assert.ok(isNotFound(await rejection(files.open(path, { write: true }))));
      const created = await files.open(path, { write: true, createNew: true, mode: 0o600 });
      assert.equal(await created.write(encoder.encode("hello world")), 11);
      await created.sync();
      created.close();
      assert.equal((await files.stat(path)).mode! & 0o777, 0o600);
      assert.ok(
        isAlreadyExists(await rejection(files.open(path, { write: true, createNew: true }))),
      );
      // Write in place: no truncation, from the start.
      const inPlace = await files.open(path, { write: true });
      await inPlace.write(encoder.encode("HELLO"));
      inPlace.close();
      assert.equal(await files.readTextFile(path), "HELLO world");
      const appended = await files.open(path, { append: true });
      await appended.write(encoder.encode("!"));
      appended.close();
      assert.equal(files.readTextFileSync(path), "HELLO world!");
      const truncated = await files.open(path, { write: true, create: true, truncate: true });
      await truncated.write(encoder.encode("new"));
      truncated.close();
      assert.equal(decoder.decode(files.readFileSync(path)), "new");
    }));

  it("reads a file by `read` to its end and as a stream, and writes one as a stream", () =>
    inTempDir(async (dir) => {
      const path = `${dir}/big.bin`;
      const bytes = new Uint8Array(1_000_003).map((_, index) => index % 251);
      await new Blob([bytes]).stream().pipeTo(
        (await files.open(path, { write: true, createNew: true })).writable,
      );
      const info = await files.stat(path);
      assert.equal(info.size, bytes.byteLength);
      assert.ok(info.isFile && !info.isDirectory && !info.isSymlink);
      assert.ok(info.mtime instanceof Date);
      const file = await files.open(path, { read: true });
      const buffer = new Uint8Array(300_000);
      let total = 0;
      for (let count = await file.read(buffer); count !== null; count = await file.read(buffer)) {
        assert.deepEqual(buffer.subarray(0, count), bytes.subarray(total, total + count));
        total += count;
      }
      file.close();
      assert.equal(total, bytes.byteLength);
      const streamed = await files.open(path, { read: true });
      assert.equal((await streamed.stat()).size, bytes.byteLength);
      const read = new Uint8Array(await new Response(streamed.readable).arrayBuffer());
      assert.deepEqual(read, bytes);
      // Many small chunks in a row arrive whole and in order, however they are batched.
      const pieces = `${dir}/pieces.bin`;
      const writer = (await files.open(pieces, { write: true, createNew: true })).writable
        .getWriter();
      for (let start = 0; start < bytes.byteLength; start += 1_000) {
        await writer.write(bytes.slice(start, start + 1_000));
      }
      await writer.close();
      assert.deepEqual(files.readFileSync(pieces), bytes);
      // A write the file refuses (it is open for reading only) fails the stream.
      const readOnly = await files.open(pieces, { read: true });
      await assert.rejects(new Blob([bytes]).stream().pipeTo(readOnly.writable));
    }));

  it("lists directories, tells links and sockets apart, resolves real paths", () =>
    inTempDir(async (dir) => {
      await files.mkdir(`${dir}/sub/deeper`, { recursive: true, mode: 0o700 });
      await files.open(`${dir}/sub/file`, { write: true, createNew: true }).then((f) => f.close());
      await processes.output("ln", { args: ["-s", "file", `${dir}/sub/link`] });
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(`${dir}/sock`, resolve));
      try {
        const names: string[] = [];
        for await (const entry of files.readDir(`${dir}/sub`)) {
          names.push(`${entry.name}:${entry.isFile ? "f" : entry.isDirectory ? "d" : "l"}`);
        }
        assert.deepEqual(names.sort(), ["deeper:d", "file:f", "link:l"]);
        assert.equal(files.lstatSync(`${dir}/sub/link`).isSymlink, true);
        assert.equal(files.statSync(`${dir}/sub/link`).isFile, true);
        assert.equal(files.readLinkSync(`${dir}/sub/link`), "file");
        assert.equal(
          await files.realPath(`${dir}/sub/link`),
          await files.realPath(`${dir}/sub/file`),
        );
        assert.equal((await files.lstat(`${dir}/sock`)).isSocket, true);
        assert.equal((await files.lstat(`${dir}/sub/file`)).nlink, 1);
        await files.rename(`${dir}/sub/file`, `${dir}/moved`);
        assert.ok(isNotFound(await rejection(files.stat(`${dir}/sub/file`))));
        files.removeSync(`${dir}/moved`);
        assert.ok(isNotFound(await rejection(files.readTextFile(`${dir}/moved`))));
        assert.ok(isSystemError(await rejection(files.readTextFile(`${dir}/moved`))));
        assert.equal(isSystemError(new Error("not from the system")), false);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    }));

  it("runs programs: output and status, piped input, a missing program, kill, abort", async () => {
    const out = await processes.output("sh", { args: ["-c", "echo out; echo err >&2; exit 3"] });
    assert.equal(out.code, 3);
    assert.equal(out.success, false);
    assert.equal(decoder.decode(out.stdout), "out\n");
    assert.equal(decoder.decode(out.stderr), "err\n");
    assert.ok(isNotFound(await rejection(processes.spawn("podrx-no-such-program", {}))));
    const cat = await processes.spawn("cat", { stdin: "piped", stdout: "piped", stderr: "null" });
    const writer = cat.stdin.getWriter();
    await writer.write(encoder.encode("through the pipe"));
    await writer.close();
    const echoed = await cat.output();
    assert.equal(decoder.decode(echoed.stdout), "through the pipe");
    assert.equal(echoed.success, true);
    const sleeper = await processes.spawn("sleep", {
      args: ["30"],
      stdout: "null",
      stderr: "null",
    });
    assert.ok(sleeper.pid > 0);
    sleeper.kill("SIGTERM");
    assert.deepEqual({ ...await sleeper.status }, { success: false, code: 143, signal: "SIGTERM" });
    assert.throws(() => sleeper.kill("SIGTERM"));
    const abort = new AbortController();
    const aborted = processes.output("sleep", { args: ["30"], signal: abort.signal });
    abort.abort();
    assert.equal((await aborted).signal, "SIGTERM");
    const streamed = await processes.spawn("sh", {
      args: ["-c", "printf 'a\\nb\\n'"],
      stdout: "piped",
      stderr: "null",
    });
    assert.equal(await new Response(streamed.stdout).text(), "a\nb\n");
    assert.equal((await streamed.status).code, 0);
    const sync = processes.outputSync("sh", {
      args: ["-c", "echo $PODRX_SEAM"],
      env: { PODRX_SEAM: "x" },
    });
    assert.equal(decoder.decode(sync.stdout), "x\n");
    const cleared = processes.outputSync("sh", {
      args: ["-c", 'echo "[$HOME]"'],
      clearEnv: true,
      env: { PATH: host.env("PATH") ?? "/usr/bin:/bin" },
    });
    assert.equal(decoder.decode(cleared.stdout), "[]\n");
  });

  it("reads the host: environment, user, directory, system", () => {
    assert.equal(host.env("PATH"), process.env.PATH);
    assert.equal(host.env("PODRX_SURELY_UNSET_VARIABLE"), undefined);
    assert.equal(host.uid(), process.getuid?.() ?? null);
    assert.equal(host.cwd(), process.cwd());
    assert.equal(host.os, "linux");
    assert.equal(host.pid, process.pid);
    assert.equal(typeof host.mayWrite("/tmp"), "boolean");
  });

  for (const ending of ["normal", "throw", "reject"]) {
    it(`calls exit hooks when the script ends: ${ending}`, () =>
      inTempDir(async (dir) => {
        const fixture = new URL("./_exit_hook_fixture.ts", import.meta.url).pathname;
        const [program, ...args] = runtimeCommand(fixture);
        const marker = `${dir}/marker`;
        const result = await processes.output(program!, { args: [...args, marker, ending] });
        assert.equal(result.success, ending === "normal", decoder.decode(result.stderr));
        assert.equal(await files.readTextFile(marker), "ran");
      }));
  }
});
