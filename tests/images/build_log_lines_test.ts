// build() emits one log event per line: a RUN step printing many lines at once (which the
// server packs into few messages) on the real service, and on a fake server a line split
// over two messages, many lines in one, `\r\n` endings and a last line without a newline.
import assert from "node:assert/strict";
import { lastValueFrom, toArray } from "rxjs";
import { BuildError, type BuildEvent, PodmanClient } from "../../mod.ts";
import { testBed } from "../bed/env.ts";
import { startFakePodman } from "../fake/fake_podman.ts";
import { keptOutput } from "./_kept_output.ts";

const bed = testBed();
const ID = "7a3c5b0e1d2f4a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d";
const COUNT = 400;
// busybox sh: COUNT numbered lines from one RUN, written in one burst.
const MANY_LINES = `i=0; while [ $i -lt ${COUNT} ]; do echo "line-$i"; i=$((i+1)); done`;

function logLines(events: readonly BuildEvent[]): string[] {
  return events.flatMap((event) => event.type === "log" ? [event.line] : []);
}

/** Every line ends with its one newline, and no line holds another. */
function assertOneLineEach(lines: readonly string[]): void {
  for (const line of lines) {
    assert.ok(line.endsWith("\n"), JSON.stringify(line));
    assert.equal(line.indexOf("\n"), line.length - 1, JSON.stringify(line));
  }
}

Deno.test("build() gives each line of a RUN printing hundreds of lines its own event, in order", async () => {
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const fileobj = `FROM ${bed.busyboxImage}\nRUN ${keptOutput(MANY_LINES)}\n`;

  const events = await lastValueFrom(
    podman.images.build({ fileobj, nocache: true }).pipe(toArray()),
  );
  const { log } = await podman.images.promises.build({ fileobj, nocache: true });

  const lines = logLines(events);
  assertOneLineEach(lines);
  const numbered = lines.filter((line) => line.startsWith("line-"));
  assert.deepEqual(numbered, Array.from({ length: COUNT }, (_, i) => `line-${i}\n`));
  // The await twin's log is the same cut of the same output.
  assertOneLineEach(log);
  assert.deepEqual(log.filter((line) => line.startsWith("line-")), numbered);
  assert.equal(events.at(-1)?.type, "built");
});

Deno.test("build() of a failing RUN keeps BuildError's log equal to the lines emitted", async () => {
  await using podman = new PodmanClient({ baseUrl: `unix://${bed.socketPath}` });
  const emitted: string[] = [];
  const error = await lastValueFrom(
    podman.images.build({
      fileobj: `FROM ${bed.busyboxImage}\nRUN ${keptOutput(MANY_LINES)} && exit 3\n`,
    }),
    { defaultValue: undefined },
  ).then(
    () => assert.fail("the build succeeded"),
    (error: unknown) => error,
  );
  const failed = await podman.images.promises.build({
    fileobj: `FROM ${bed.busyboxImage}\nRUN ${keptOutput(MANY_LINES)} && exit 4\n`,
    onProgress: (event) => event.type === "log" && emitted.push(event.line),
  }).then(() => assert.fail("the build succeeded"), (error: unknown) => error);

  assert.ok(error instanceof BuildError && failed instanceof BuildError, String(error));
  assertOneLineEach(error.buildLog);
  assert.equal(error.buildLog.filter((line) => line.startsWith("line-")).length, COUNT);
  assert.deepEqual(failed.buildLog, emitted);
  assert.equal(emitted.filter((line) => line.startsWith("line-")).length, COUNT);
});

Deno.test("build() joins a line split over two messages and splits many lines in one", async () => {
  const messages = [
    { stream: "STEP 1/2: FROM scratch\nSTEP 2/2: RUN x\nfirst " },
    { stream: "half, second half\r\nthird" },
    { stream: " line\n" },
    { stream: "" },
    { stream: `${ID}\nno newline at the end` },
  ];
  await using fake = await startFakePodman((_request, url) => {
    if (url.pathname.endsWith("/build")) {
      return new Response(messages.map((value) => JSON.stringify(value) + "\n").join(""));
    }
    return Response.json({ Id: ID, RepoTags: [] });
  });

  const events = await lastValueFrom(
    fake.client.images.build({ fileobj: "FROM scratch\n" }).pipe(toArray()),
  );

  assert.deepEqual(logLines(events), [
    "STEP 1/2: FROM scratch\n",
    "STEP 2/2: RUN x\n",
    "first half, second half\r\n",
    "third line\n",
    `${ID}\n`,
    "no newline at the end",
  ]);
  const built = events.at(-1);
  assert.ok(built?.type === "built" && built.image.id === ID, JSON.stringify(built));
});

Deno.test("build() puts a partial last line into BuildError's log when the server reports an error", async () => {
  await using fake = await startFakePodman(() =>
    new Response(
      [{ stream: "one\ntwo\nhalf a line" }, { error: "exit status 1" }]
        .map((value) => JSON.stringify(value) + "\n").join(""),
    )
  );
  const emitted: string[] = [];
  const error = await fake.client.images.promises.build({
    fileobj: "FROM scratch\n",
    onProgress: (event) => event.type === "log" && emitted.push(event.line),
  }).then(() => assert.fail("the build succeeded"), (error: unknown) => error);

  assert.ok(error instanceof BuildError, String(error));
  assert.deepEqual(error.buildLog, ["one\n", "two\n", "half a line"]);
  assert.deepEqual(emitted, error.buildLog);
});
