import assert from "node:assert/strict";
import { lastValueFrom, type Observable } from "rxjs";
import {
  APIError,
  Artifact,
  type ArtifactAddEvent,
  NotFound,
  PodmanError,
  progress,
} from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { serverVersion } from "../bed/server_version.ts";
import { recordingClient } from "../images/_recording_client.ts";
import {
  all,
  artifactName,
  cliInspect,
  cliNames,
  collect,
  connect,
  registryManifest,
  seededBytes,
  serverHasArtifacts,
} from "./_artifacts.ts";

const bed = testBed();
const TITLE = "org.opencontainers.image.title";
const hasArtifacts = await serverHasArtifacts();

Deno.test({
  name: "artifacts: a server before Podman 5.6 refuses every operation before anything is sent",
  ignore: hasArtifacts,
  fn: async () => {
    const { podman, paths } = recordingClient();
    await using _ = podman;
    const [major, minor, patch] = await serverVersion();
    const name = artifactName("old");
    const operations: [string, Observable<unknown>][] = [
      ["add", podman.artifacts.add(name, { fileName: "a", data: new Uint8Array(1) })],
      ["list", podman.artifacts.list()],
      ["get", podman.artifacts.get(name)],
      ["exists", podman.artifacts.exists(name)],
      ["remove", podman.artifacts.remove(name)],
      ["pull", podman.artifacts.pull(name)],
      ["push", podman.artifacts.push(name)],
    ];
    for (const [operation, events] of operations) {
      await assert.rejects(lastValueFrom(events), (error: unknown) => {
        assert.ok(error instanceof PodmanError, `${operation}: ${error}`);
        assert.match(
          error.message,
          new RegExp(
            `^Cannot .*artifact.*: the artifacts API needs Podman 5\\.6 or later; ` +
              `the server runs ${major}\\.${minor}\\.${patch}$`,
          ),
          operation,
        );
        return true;
      });
    }
    assert.deepEqual(paths.filter((path) => path.includes("/artifacts")), []);
  },
});

Deno.test({
  name:
    "artifacts.add() stores files from a path and bytes with their names, types and annotations",
  ignore: !hasArtifacts,
  fn: async () => {
    await using podman = connect();
    const name = artifactName("add");
    const dir = await Deno.makeTempDir();
    try {
      const weights = seededBytes(3 * 1024 * 1024 + 17, 1);
      await Deno.writeFile(`${dir}/weights.bin`, weights);
      const events = await all(podman.artifacts.add(name, [
        `${dir}/weights.bin`,
        {
          fileName: "config.json",
          data: new TextEncoder().encode('{"layers":2}'),
          mediaType: "application/json",
          annotations: { "podrx.file": "config" },
        },
      ], {
        type: "application/vnd.podrx.model",
        annotations: { "podrx.model": "tiny" },
        fileType: "application/vnd.podrx.weights",
      }));
      // Upload progress for the big file, a file done per file, then the artifact.
      const adding = events.filter((event) =>
        event.type === "progress" && event.status === "Adding"
      );
      assert.ok(adding.length >= 3, `progress while uploading: ${adding.length}`);
      assert.deepEqual(
        adding.map((event) => event.type === "progress" && event.total),
        adding.map(() => weights.byteLength),
      );
      assert.deepEqual(
        events.filter((event) => event.type === "progress" && event.status === "Added")
          .map((event) => event.type === "progress" && [event.id, event.current]),
        [["weights.bin", weights.byteLength], ["config.json", 12]],
      );
      const last = events.at(-1)!;
      assert.equal(last.type, "added");
      if (last.type !== "added") return;
      const artifact = last.artifact;
      assert.ok(artifact instanceof Artifact);
      assert.equal(artifact.name, name);
      assert.equal(artifact.type, "application/vnd.podrx.model");
      assert.equal(artifact.annotations["podrx.model"], "tiny");
      assert.deepEqual(
        artifact.files.map((file) => [file.title, file.size, file.mediaType]),
        [
          ["weights.bin", weights.byteLength, "application/vnd.podrx.weights"],
          ["config.json", 12, "application/json"],
        ],
      );
      assert.equal(artifact.files[1]!.annotations["podrx.file"], "config");
      assert.equal(artifact.files[0]!.annotations["podrx.model"], "tiny");
      // The CLI sees the same artifact: digest and layers.
      const cli = await cliInspect(name);
      assert.equal(cli.Digest, artifact.digest);
      assert.equal(last.digest, artifact.digest);
      assert.deepEqual(
        cli.Manifest.layers.map((layer) => [layer.annotations?.[TITLE], layer.digest, layer.size]),
        artifact.files.map((file) => [file.title, file.digest, file.size]),
      );
      const sha = new Uint8Array(await crypto.subtle.digest("SHA-256", weights));
      assert.equal(
        artifact.files[0]!.digest,
        "sha256:" + Array.from(sha, (byte) => byte.toString(16).padStart(2, "0")).join(""),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
      await lastValueFrom(podman.artifacts.remove(name, { ignore: true })).catch(() => {});
    }
  },
});

Deno.test({
  name: "artifacts.add() takes a Blob and a stream, and progress() folds the upload",
  ignore: !hasArtifacts,
  fn: async () => {
    await using podman = connect();
    const name = artifactName("stream");
    const bytes = seededBytes(2 * 1024 * 1024, 2);
    const stream = new Blob([bytes]).stream();
    const snapshots = await all(
      podman.artifacts.add(name, [
        { fileName: "a.bin", data: new Blob([bytes]) },
        { fileName: "b.bin", data: stream },
      ]).pipe(progress()),
    );
    const done = snapshots.at(-1)!;
    assert.ok(done.done && done.fraction === 1);
    assert.equal(done.layersDone, 2);
    assert.equal(done.bytesDone, 2 * bytes.byteLength);
    const artifact = await lastValueFrom(podman.artifacts.get(name));
    assert.deepEqual(artifact.files.map((file) => file.size), [bytes.byteLength, bytes.byteLength]);
    assert.equal(artifact.files[0]!.digest, artifact.files[1]!.digest);
    // A stream feeds one subscription: subscribing again fails before sending.
    await assert.rejects(
      lastValueFrom(podman.artifacts.add(artifactName("again"), { fileName: "b", data: stream })),
      (error: unknown) => error instanceof PodmanError && /already used/.test(error.message),
    );
    await lastValueFrom(podman.artifacts.remove(name));
  },
});

Deno.test({
  name: "artifacts list, get, exists and remove agree with the store",
  ignore: !hasArtifacts,
  fn: async () => {
    await using podman = connect();
    const names = [artifactName("l1"), artifactName("l2"), artifactName("l3")];
    for (const [index, name] of names.entries()) {
      await lastValueFrom(
        podman.artifacts.add(name, { fileName: `f${index}`, data: seededBytes(100, index) }),
      );
    }
    const listed = await lastValueFrom(podman.artifacts.list());
    for (const name of names) {
      assert.ok(listed.some((artifact) => artifact.name === name), name);
    }
    const cli = await cliNames();
    for (const name of names) assert.ok(cli.includes(name), `${name} in ${cli}`);
    assert.equal(await lastValueFrom(podman.artifacts.exists(names[0]!)), true);
    assert.equal(await lastValueFrom(podman.artifacts.exists(`${names[0]!}-nope`)), false);
    const got = await lastValueFrom(podman.artifacts.get(names[0]!));
    // By model, one; by list, the others; each reports its digest.
    const one = await lastValueFrom(podman.artifacts.remove(got));
    assert.deepEqual(one, [got.digest]);
    const two = await lastValueFrom(podman.artifacts.remove([names[1]!, names[2]!]));
    assert.equal(two.length, 2);
    for (const name of names) {
      assert.equal(await lastValueFrom(podman.artifacts.exists(name)), false);
    }
    // Gone is NotFound; with ignore, nothing.
    await assert.rejects(lastValueFrom(podman.artifacts.remove(names[0]!)), NotFound);
    assert.deepEqual(await lastValueFrom(podman.artifacts.remove(names[0]!, { ignore: true })), []);
    await assert.rejects(
      lastValueFrom(podman.artifacts.get(names[0]!)),
      (error: unknown) =>
        error instanceof NotFound &&
        error.message.startsWith(`Cannot get artifact "${names[0]!}": `),
    );
  },
});

Deno.test({
  name: "artifacts.add() appends, replaces, and refuses an existing name with the server's message",
  ignore: !hasArtifacts,
  fn: async () => {
    await using podman = connect();
    const name = artifactName("append");
    await lastValueFrom(podman.artifacts.add(name, { fileName: "a", data: seededBytes(10, 1) }));
    await lastValueFrom(
      podman.artifacts.add(name, { fileName: "b", data: seededBytes(20, 2) }, { append: true }),
    );
    let artifact = await lastValueFrom(podman.artifacts.get(name));
    assert.deepEqual(artifact.files.map((file) => file.title), ["a", "b"]);
    await assert.rejects(
      lastValueFrom(podman.artifacts.add(name, { fileName: "c", data: seededBytes(5, 3) })),
      (error: unknown) =>
        error instanceof APIError && /already exists/.test(error.message) &&
        error.message.startsWith(`Cannot add file "c" to artifact "${name}": `),
    );
    await lastValueFrom(
      podman.artifacts.add(name, { fileName: "c", data: seededBytes(5, 3) }, { replace: true }),
    );
    artifact = await lastValueFrom(podman.artifacts.get(name));
    assert.deepEqual(artifact.files.map((file) => file.title), ["c"]);
    await lastValueFrom(podman.artifacts.remove(name));
  },
});

Deno.test({
  name: "artifacts.add() that fails at a later file leaves no artifact it made",
  ignore: !hasArtifacts,
  fn: async () => {
    await using podman = connect();
    const name = artifactName("rollback");
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(seededBytes(1000, 4));
        controller.error(new Error("the source broke"));
      },
    });
    const { events, error } = await collect(podman.artifacts.add(name, [
      { fileName: "first", data: seededBytes(100, 5) },
      { fileName: "second", data: failing },
    ]));
    assert.ok(error instanceof PodmanError, String(error));
    assert.ok(
      events.some((event: ArtifactAddEvent) =>
        event.type === "progress" && event.status === "Added"
      ),
      "the first file was added",
    );
    assert.equal(await lastValueFrom(podman.artifacts.exists(name)), false);
    assert.ok(!(await cliNames()).includes(name));
  },
});

Deno.test({
  name: "artifacts.add() refuses bad input before anything is sent",
  ignore: !hasArtifacts,
  fn: async () => {
    const { podman, paths } = recordingClient();
    await using _ = podman;
    const data = seededBytes(4, 1);
    const cases: [() => unknown, new (...args: never[]) => Error, RegExp][] = [
      [() => podman.artifacts.add("Not A Reference!", { fileName: "a", data }), RangeError, /./],
      [() => podman.artifacts.add(artifactName("x"), []), TypeError, /no files/],
      [
        () => podman.artifacts.add(artifactName("x"), { fileName: "../a", data }),
        RangeError,
        /not a path/,
      ],
      [
        () => podman.artifacts.add(artifactName("x"), { fileName: "", data }),
        TypeError,
        /fileName/,
      ],
      [
        () =>
          podman.artifacts.add(artifactName("x"), [{ fileName: "a", data }, {
            fileName: "a",
            data,
          }]),
        TypeError,
        /two files are named "a"/,
      ],
      [
        () =>
          podman.artifacts.add(artifactName("x"), { fileName: "a", data }, {
            append: true,
            replace: true,
          }),
        TypeError,
        /give one/,
      ],
      [
        () =>
          podman.artifacts.add(artifactName("x"), { fileName: "a", data }, {
            annotations: { "a=b": "c" },
          }),
        RangeError,
        /annotation name/,
      ],
      [
        () => podman.artifacts.add(artifactName("x"), "/nonexistent/podrx/weights.bin"),
        PodmanError,
        /weights\.bin/,
      ],
    ];
    for (const [make, type, message] of cases) {
      await assert.rejects(
        lastValueFrom(make() as ReturnType<typeof podman.artifacts.add>),
        (error: unknown) => error instanceof type && message.test((error as Error).message),
      );
    }
    assert.deepEqual(paths.filter((path) => path.includes("/artifacts/add")), []);
  },
});

Deno.test({
  name:
    "artifacts.push() puts the layers, media types and annotations in the registry; pull() brings them back",
  ignore: !hasArtifacts,
  fn: async () => {
    await using podman = connect();
    const name = artifactName("push");
    const added = await podman.artifacts.promises.add(name, [
      { fileName: "model.bin", data: seededBytes(50_000, 7), mediaType: "application/x-model" },
      { fileName: "README", data: new TextEncoder().encode("read me") },
    ], { type: "application/vnd.podrx.bundle", annotations: { "podrx.kind": "bundle" } });
    const events = await all(podman.artifacts.push(name, { tlsVerify: false }));
    const pushed = events.at(-1)!;
    assert.equal(pushed.type, "pushed");
    if (pushed.type !== "pushed") return;
    const held = await registryManifest(name);
    assert.ok(held, "the registry has the manifest");
    assert.equal(held.digest, pushed.digest);
    assert.equal(held.manifest.artifactType, "application/vnd.podrx.bundle");
    assert.deepEqual(
      held.manifest.layers.map((
        layer,
      ) => [layer.annotations?.[TITLE], layer.mediaType, layer.size]),
      [["model.bin", "application/x-model", 50_000], ["README", "text/plain; charset=utf-8", 7]],
    );
    assert.equal(held.manifest.layers[0]!.annotations?.["podrx.kind"], "bundle");
    // The push events carry both files with their sizes.
    const snapshot = await lastValueFrom(
      podman.artifacts.push(name, { tlsVerify: false }).pipe(progress()),
    );
    assert.equal(snapshot.bytesTotal, 50_007);
    await podman.artifacts.promises.remove(name);
    const pulled = await podman.artifacts.promises.pull(name, { tlsVerify: false });
    assert.deepEqual(
      pulled.files.map((file) => [file.title, file.digest]),
      added.files.map((file) => [file.title, file.digest]),
    );
    assert.equal(pulled.type, "application/vnd.podrx.bundle");
    await podman.artifacts.promises.remove(name);
  },
});

Deno.test({
  name: "artifacts push and pull with credentials; a wrong password fails and is never echoed",
  ignore: !hasArtifacts,
  fn: async () => {
    await using podman = connect();
    const name = artifactName("auth", bed.authRegistry);
    await lastValueFrom(podman.artifacts.add(name, { fileName: "f", data: seededBytes(64, 8) }));
    const authConfig = { username: bed.authUser, password: bed.authPassword };
    const wrong = { username: bed.authUser, password: `wrong-${crypto.randomUUID()}` };
    const refused = await collect(
      podman.artifacts.push(name, { tlsVerify: false, authConfig: wrong }),
    );
    assert.ok(refused.error instanceof APIError, String(refused.error));
    assert.ok(!refused.error.message.includes(wrong.password));
    assert.ok(!JSON.stringify(refused.events).includes(wrong.password));
    await lastValueFrom(podman.artifacts.push(name, { tlsVerify: false, authConfig }));
    const basic = { authorization: `Basic ${btoa(`${bed.authUser}:${bed.authPassword}`)}` };
    assert.ok(await registryManifest(name, basic), "the auth registry has it");
    await lastValueFrom(podman.artifacts.remove(name));
    const denied = await collect(
      podman.artifacts.pull(name, { tlsVerify: false, authConfig: wrong }),
    );
    assert.ok(denied.error instanceof APIError, String(denied.error));
    assert.ok(!denied.error.message.includes(wrong.password));
    const pulled = await podman.artifacts.promises.pull(name, { tlsVerify: false, authConfig });
    assert.equal(pulled.files[0]!.size, 64);
    await lastValueFrom(podman.artifacts.remove(name));
  },
});

Deno.test({
  name: "artifacts: a missing artifact is NotFound for get, push and pull",
  ignore: !hasArtifacts,
  fn: async () => {
    await using podman = connect();
    const name = artifactName("missing");
    await assert.rejects(lastValueFrom(podman.artifacts.get(name)), NotFound);
    await assert.rejects(
      lastValueFrom(podman.artifacts.push(name, { tlsVerify: false })),
      (error: unknown) =>
        error instanceof NotFound && error.message.startsWith(`Cannot push artifact "${name}": `),
    );
    await assert.rejects(
      lastValueFrom(podman.artifacts.pull(name, { tlsVerify: false })),
      (error: unknown) =>
        error instanceof APIError && error.message.startsWith(`Cannot pull artifact "${name}": `),
    );
  },
});

Deno.test({
  name: "artifacts.extract() writes every file, or the one selected, byte for byte",
  ignore: !hasArtifacts,
  fn: async () => {
    await using podman = connect();
    const name = artifactName("extract");
    const big = seededBytes(5 * 1024 * 1024 + 3, 9);
    const small = new TextEncoder().encode("tokenizer");
    const added = await podman.artifacts.promises.add(name, [
      { fileName: "weights.bin", data: big },
      { fileName: "tokenizer.txt", data: small },
    ]);
    const dir = await Deno.makeTempDir();
    try {
      // An older file of the same name is replaced; others in the directory stay.
      await Deno.writeTextFile(`${dir}/tokenizer.txt`, "old");
      await Deno.writeTextFile(`${dir}/mine.txt`, "mine");
      const events = await all(podman.artifacts.extract(name, `${dir}/all`));
      const done = events.at(-1)!;
      assert.equal(done.type, "extracted");
      if (done.type !== "extracted") return;
      assert.deepEqual(done.files.map((file) => [file.fileName, file.size]), [
        ["weights.bin", big.byteLength],
        ["tokenizer.txt", small.byteLength],
      ]);
      assert.ok(
        events.filter((event) => event.type === "progress" && event.status === "Extracting")
          .length >= 5,
        "progress while writing the big file",
      );
      assert.deepEqual(await Deno.readFile(`${dir}/all/weights.bin`), big);
      assert.deepEqual(await Deno.readFile(`${dir}/all/tokenizer.txt`), small);
      await podman.artifacts.promises.extract(name, dir, { title: "tokenizer.txt" });
      assert.equal(await Deno.readTextFile(`${dir}/tokenizer.txt`), "tokenizer");
      assert.equal(await Deno.readTextFile(`${dir}/mine.txt`), "mine");
      // Nothing else was written: no weights, no partial file.
      const names = [];
      for await (const entry of Deno.readDir(dir)) names.push(entry.name);
      assert.deepEqual(names.sort(), ["all", "mine.txt", "tokenizer.txt"]);
      const byDigest = await podman.artifacts.promises.extract(name, `${dir}/d`, {
        digest: added.files[0]!.digest,
      });
      // Selected by digest, Podman names the file after the digest, as its CLI does.
      const digestName = added.files[0]!.digest.replace(":", "-");
      assert.deepEqual(byDigest.files.map((file) => file.fileName), [digestName]);
      assert.deepEqual(await Deno.readFile(`${dir}/d/${digestName}`), big);
      // One file as a stream, by title and by digest.
      assert.deepEqual(
        await podman.artifacts.promises.extractFile(name, { title: "weights.bin" }),
        big,
      );
      assert.deepEqual(
        await podman.artifacts.promises.extractFile(name, { digest: added.files[1]!.digest }),
        small,
      );
      await assert.rejects(
        lastValueFrom(podman.artifacts.extractFile(name, { title: "nope" })),
        (error: unknown) => error instanceof APIError && /nope/.test(error.message),
      );
      await assert.rejects(lastValueFrom(podman.artifacts.extract(`${name}x`, dir)), NotFound);
      await assert.rejects(lastValueFrom(podman.artifacts.extractFile(name, {})), TypeError);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await lastValueFrom(podman.artifacts.remove(name));
    }
  },
});

Deno.test({
  name:
    "artifacts.add() cut short after a file, then the client closed at once, leaves no artifact",
  ignore: !hasArtifacts,
  fn: async () => {
    const name = artifactName("close");
    const podman = connect();
    // The second file never ends: the add is under way until it is cut short.
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(64 * 1024)),
    });
    const firstAdded = Promise.withResolvers<void>();
    const subscription = podman.artifacts.add(name, [
      { fileName: "first", data: seededBytes(100, 11) },
      { fileName: "endless", data: endless },
    ]).subscribe({
      next: (event) => {
        if (event.type === "progress" && event.status === "Added") firstAdded.resolve();
      },
      error: () => {},
    });
    await firstAdded.promise;
    subscription.unsubscribe();
    await podman.close();
    await using other = connect();
    assert.equal(await lastValueFrom(other.artifacts.exists(name)), false);
  },
});
