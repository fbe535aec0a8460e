import assert from "node:assert/strict";
import { parseTomlStrings } from "../../src/config/_toml_strings.ts";

Deno.test("parseTomlStrings() reads strings under tables, skipping other values", () => {
  const text = [
    "# comment",
    'top = "t" # trailing comment',
    "[engine]",
    "active_service = 'prod'",
    "num = 3",
    "flag = true",
    "env = [",
    '  "A=1", # comment inside',
    "  'B=]',",
    "]",
    'inline = { a = "x", b = [1, 2] }',
    '[engine.service_destinations."my conn"]',
    'uri = "ssh://core@host:22/run/podman/podman.sock\\u0021"',
    'identity = """',
    "/home/core/.ssh/id_\\",
    '   ed25519"""',
    "[[engine.array]]",
    'ignored = "x"',
    "[ machine ]",
    'dotted.key = "d"',
  ].join("\n");
  assert.deepEqual(parseTomlStrings(text), [
    { path: ["top"], value: "t" },
    { path: ["engine", "active_service"], value: "prod" },
    {
      path: ["engine", "service_destinations", "my conn", "uri"],
      value: "ssh://core@host:22/run/podman/podman.sock!",
    },
    {
      path: ["engine", "service_destinations", "my conn", "identity"],
      value: "/home/core/.ssh/id_ed25519",
    },
    { path: ["machine", "dotted", "key"], value: "d" },
  ]);
});

Deno.test("parseTomlStrings() names the line it cannot read", () => {
  assert.throws(
    () => parseTomlStrings('[engine]\nuri = "unclosed\n'),
    (error) =>
      error instanceof SyntaxError && error.message === "Cannot read TOML: line 2: unclosed string",
  );
  assert.throws(
    () => parseTomlStrings('[engine]\n\nuri = "a" junk\n'),
    (error) =>
      error instanceof SyntaxError && /line 3: unexpected text after the value/.test(error.message),
  );
});

Deno.test("parseTomlStrings() does not fail on the containers.conf that Podman ships", async () => {
  // Debian's podman package installs it; the CI machine has it too.
  const text = await Deno.readTextFile("/usr/share/containers/containers.conf");
  const strings = parseTomlStrings(text);
  // Everything in it is commented out except a few tables; reading must simply not fail.
  assert.ok(Array.isArray(strings));
});
