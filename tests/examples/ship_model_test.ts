// examples/ship_model.ts, run as a user runs it, against the bed's service and open registry.
// The artifacts API came with Podman 5.6: sid (5.8) and experimental (6.1) ship; the host
// (4.3) and trixie (5.4) must refuse with a message that names the version.
import assert from "node:assert/strict";
import { lastValueFrom } from "rxjs";
import { PodmanClient } from "../../mod.ts";
import { podmanProgram, testBed } from "../bed/env.ts";
import { serverVersion } from "../bed/server_version.ts";
import { startFakePodman } from "../fake/fake_podman.ts";
import {
  artifactName,
  cliInspect,
  cliNames,
  connect,
  registryManifest,
  seededBytes,
  serverHasArtifacts,
} from "../artifacts/_artifacts.ts";
import {
  type ExampleOptions,
  type ExampleProcess,
  explain,
  runExample,
  startExample,
} from "./_example_process.ts";

const bed = testBed();
const SOCKET_URL = `unix://${bed.socketPath}`;
const TITLE = "org.opencontainers.image.title";
const hasArtifacts = await serverHasArtifacts();

/** A working directory with two files to ship, removed with the artifact at the end. */
interface Workdir extends AsyncDisposable {
  path: string;
  files: Record<string, Uint8Array>;
  /**
   * Starts the script in the directory against the bed's service and open registry, with
   * `podman` on its `PATH` the bed's Podman (for a throwaway service).
   */
  ship(args: string[], options?: ExampleOptions): ExampleProcess;
}

async function workdir(name: string): Promise<Workdir> {
  const path = await Deno.makeTempDir({ prefix: "podrx-ship-" });
  // Over 1 MiB, so the upload reports progress before the file is whole.
  const files = {
    "weights.bin": seededBytes(3 * 1024 * 1024 + 17, 7),
    "config.json": new TextEncoder().encode('{"layers":2,"hidden":64}\n'),
  };
  for (const [file, bytes] of Object.entries(files)) await Deno.writeFile(`${path}/${file}`, bytes);
  let searchPath = Deno.env.get("PATH") ?? "";
  if (podmanProgram() !== "podman") {
    await Deno.mkdir(`${path}/bin`);
    await Deno.symlink(podmanProgram(), `${path}/bin/podman`);
    searchPath = `${path}/bin:${searchPath}`;
  }
  return {
    path,
    files,
    ship: (args, options = {}) =>
      startExample("ship_model.ts", ["--url", SOCKET_URL, "--tls-verify=false", ...args], {
        ...options,
        cwd: path,
        env: { PATH: searchPath },
      }),
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
      if (!hasArtifacts) return;
      await using podman = connect();
      await lastValueFrom(podman.artifacts.remove(name, { ignore: true }));
    },
  };
}

/** The one match of `pattern` (with the `m` flag) in `text`, or a failed assertion. */
function line(text: string, pattern: RegExp, why: string): RegExpExecArray {
  const matches = [...text.matchAll(new RegExp(pattern.source, "gm"))];
  assert.equal(matches.length, 1, `${pattern} once in stdout (${why})`);
  return matches[0]!;
}

Deno.test({
  name: "ship_model.ts adds two files, pushes them, pulls and extracts them on a throwaway host",
  ignore: !hasArtifacts,
  fn: async () => {
    const name = artifactName("ship");
    await using dir = await workdir(name);
    const result = await dir.ship([
      "--type",
      "application/vnd.podrx.model",
      "--annotation",
      "podrx.model=tiny",
      "--annotation",
      "podrx.stage=test=1",
      name,
      "weights.bin",
      "config.json",
    ]).done;
    const why = explain(result);
    assert.equal(result.code, 0, why);
    const out = result.stdout;
    const sizes = Object.values(dir.files).map((bytes) => bytes.byteLength);
    const total = sizes.reduce((sum, size) => sum + size, 0);

    // One line per step, in order.
    const added = line(out, /^added (sha256:[0-9a-f]{64}) 2 files (\d+) bytes$/, why);
    assert.equal(Number(added[2]), total, why);
    const pushed = line(out, /^pushed (sha256:[0-9a-f]{64})$/, why);
    const pulled = line(out, /^pulled throwaway (sha256:[0-9a-f]{64})$/, why);
    assert.equal(pulled[1], pushed[1], "the host has the pushed digest");
    // Into ./<last part of the name, without the tag>, by default.
    const folder = `./${name.split("/").pop()!.split(":")[0]}`;
    const extracted = [...out.matchAll(/^extracted throwaway (\S+) (\d+)$/gm)];
    assert.deepEqual(
      extracted.map((match) => [match[1], Number(match[2])]),
      [[`${folder}/weights.bin`, sizes[0]], [`${folder}/config.json`, sizes[1]]],
      why,
    );
    line(
      out,
      new RegExp(`^shipped ${name.replaceAll(".", "\\.")} to 1 host: each has ${pushed[1]}$`),
      why,
    );
    const order = [added, pushed, pulled, extracted[0]!].map((match) => match.index);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), "the steps' lines come in order");

    // The upload showed its progress, per file; so did the push.
    assert.match(out, /^ {2}add: weights\.bin Adding$/m, why);
    assert.match(out, /^ {2}add: config\.json Added$/m, why);
    assert.match(out, /^ {2}push: weights\.bin Pushed$/m, why);

    // The files arrived byte for byte, under the directory named after the artifact.
    for (const [match, file] of extracted.map((match, index) => [match, index] as const)) {
      const expected = Object.values(dir.files)[file]!;
      assert.deepEqual(await Deno.readFile(`${dir.path}/${match[1]}`), expected, match[1]);
    }

    // The registry has the manifest the push reported, with both files and their annotations.
    const inRegistry = await registryManifest(name);
    assert.ok(inRegistry, `the registry has ${name}`);
    assert.equal(inRegistry.digest, pushed[1]);
    assert.equal(inRegistry.manifest.artifactType, "application/vnd.podrx.model");
    assert.deepEqual(
      inRegistry.manifest.layers.map((layer) => [
        layer.annotations?.[TITLE],
        layer.size,
        layer.annotations?.["podrx.model"],
        layer.annotations?.["podrx.stage"],
      ]),
      [["weights.bin", sizes[0], "tiny", "test=1"], ["config.json", sizes[1], "tiny", "test=1"]],
    );
    // The source keeps the artifact it added.
    assert.equal((await cliInspect(name)).Digest, added[1]);

    // The throwaway service is gone: its socket's directory with it.
    const socket = /started a throwaway service on (\S+\.sock)/.exec(out)?.[1];
    assert.ok(socket, why);
    await assert.rejects(Deno.stat(socket), Deno.errors.NotFound);

    // Shipping the name again is refused before any upload; the artifact stays as it was.
    const again = await dir.ship([name, "config.json"]).done;
    assert.equal(again.code, 1, explain(again));
    assert.ok(
      again.stderr.includes(
        `Cannot add artifact "${name}": the source service has an artifact of that name`,
      ),
      explain(again),
    );
    assert.doesNotMatch(again.stdout, /^ {2}add: /m, explain(again));
    assert.equal((await cliInspect(name)).Digest, added[1]);
  },
});

Deno.test({
  name:
    "ship_model.ts extracts per host with several --to hosts, and fails on a host with another digest",
  ignore: !hasArtifacts,
  fn: async () => {
    const name = artifactName("ship-to");
    await using dir = await workdir(name);
    await using host = await PodmanClient.spawn({
      storage: "private",
      podmanPath: podmanProgram(),
      handleSignals: false,
    });
    // A host whose registry hands it another manifest: only a fake can answer so.
    const other = `sha256:${"0".repeat(64)}`;
    await using liar = await startFakePodman((request, url) => {
      if (request.method === "POST" && url.pathname.endsWith("/artifacts/pull")) {
        return Response.json({ ArtifactDigest: other });
      }
      if (url.pathname.endsWith("/json") && url.pathname.includes("/artifacts/")) {
        return Response.json({
          Name: name,
          Digest: other,
          Manifest: { schemaVersion: 2, layers: [] },
        });
      }
      return Response.json({ message: "not here", response: 404 }, { status: 404 });
    }, { apiVersion: "6.1.1" });
    const hostUrl = `unix://${host.service!.socketPath}`;
    const liarUrl = `unix://${liar.socketPath}`;
    const result = await dir.ship([
      "--to",
      hostUrl,
      "--to",
      liarUrl,
      "--extract-to",
      "model",
      name,
      "weights.bin",
      "config.json",
    ]).done;
    const why = explain(result);
    assert.equal(result.code, 1, why);
    const pushed = line(result.stdout, /^pushed (sha256:[0-9a-f]{64})$/, why)[1]!;
    // The first host got the pushed digest and its files, in its own directory.
    line(result.stdout, new RegExp(`^pulled ${hostUrl} ${pushed}$`), why);
    for (const file of ["weights.bin", "config.json"]) {
      const path = `model/host-1/${file}`;
      line(
        result.stdout,
        new RegExp(`^extracted ${hostUrl} ${path} ${dir.files[file]!.byteLength}$`),
        why,
      );
      assert.deepEqual(await Deno.readFile(`${dir.path}/${path}`), dir.files[file]);
    }
    assert.ok(await lastValueFrom(host.artifacts.exists(name)), "the --to host has the artifact");
    // The second reported another digest: named, and nothing extracted for it.
    line(result.stdout, new RegExp(`^pulled ${liarUrl} ${other}$`), why);
    assert.ok(
      result.stderr.includes(
        `Cannot verify artifact "${name}" on ${liarUrl}: it pulled ${other}, but the push gave ${pushed}`,
      ),
      why,
    );
    assert.doesNotMatch(result.stdout, new RegExp(`^extracted ${liarUrl}`, "m"), why);
    assert.doesNotMatch(result.stdout, /^shipped /m, why);
    await assert.rejects(Deno.stat(`${dir.path}/model/host-2`), Deno.errors.NotFound);
  },
});

Deno.test({
  name: "ship_model.ts on a server before Podman 5.6 exits 1 naming the version it needs",
  ignore: hasArtifacts,
  fn: async () => {
    const name = artifactName("ship-old");
    await using dir = await workdir(name);
    const [major, minor, patch] = await serverVersion();
    const result = await dir.ship([
      name,
      "weights.bin",
      "config.json",
    ]).done;
    const why = explain(result);
    assert.equal(result.code, 1, why);
    assert.ok(
      result.stderr.includes(
        `the artifacts API needs Podman 5.6 or later; the server runs ${major}.${minor}.${patch}`,
      ),
      why,
    );
    // It stopped at the first request: nothing added, no host started.
    assert.doesNotMatch(result.stdout, /^(added|pushed|pulled) /m, why);
    assert.doesNotMatch(result.stdout, /throwaway/, why);
  },
});

Deno.test({
  name: "ship_model.ts exits 130 on Ctrl-C mid-upload and leaves no half-made artifact",
  ignore: !hasArtifacts,
  fn: async () => {
    const name = artifactName("ship-int");
    await using dir = await workdir(name);
    // The second file is the script's stdin: its upload goes as far as the bytes written
    // here, and waits there for more, whatever the machine's speed.
    const run = dir.ship([name, "config.json", "/dev/stdin"], {
      stdin: "piped",
      timeoutMs: 60_000,
    });
    const writer = run.child.stdin.getWriter();
    const writing = writer.write(seededBytes(2 * 1024 * 1024, 3)).catch(() => {});
    // config.json is in the artifact, and more than a MiB of stdin went.
    await run.waitFor("  add: config.json Added", 30_000);
    await run.waitFor("  add: stdin Adding", 30_000);
    // Half made: the store has the artifact, with the first file only.
    assert.deepEqual(
      (await cliInspect(name)).Manifest.layers.map((layer) => layer.annotations?.[TITLE]),
      ["config.json"],
    );
    run.child.kill("SIGINT");
    const result = await run.done;
    await writing;
    await writer.close().catch(() => {});
    const why = explain(result);
    assert.equal(result.signal, null, "it exits by itself, not by the signal");
    assert.equal(result.code, 130, why);
    assert.match(result.stderr, /Interrupted: the request was cancelled/, why);
    assert.doesNotMatch(result.stdout, /^added /m, why);
    assert.ok(!(await cliNames()).includes(name), `no artifact "${name}" is left`);
  },
});

Deno.test("ship_model.ts refuses a bad command line with exit code 2, before connecting", async () => {
  const nowhere = "unix:///nonexistent/podman.sock";
  const noFiles = await runExample("ship_model.ts", ["--url", nowhere, "a.io/ai/model:1"]);
  assert.equal(noFiles.code, 2, explain(noFiles));
  assert.match(noFiles.stderr, /Name the artifact and at least one file/);
  const annotation = await runExample("ship_model.ts", [
    "--url",
    nowhere,
    "--annotation",
    "no-value",
    "a.io/ai/model:1",
    import.meta.filename!,
  ]);
  assert.equal(annotation.code, 2, explain(annotation));
  assert.match(annotation.stderr, /--annotation takes KEY=VALUE, got "no-value"/);
  const missing = await runExample("ship_model.ts", [
    "--url",
    nowhere,
    "a.io/m:1",
    "/nonexistent/w.bin",
  ]);
  assert.equal(missing.code, 2, explain(missing));
  assert.match(missing.stderr, /Cannot read \/nonexistent\/w\.bin/);
});
