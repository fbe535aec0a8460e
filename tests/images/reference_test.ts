import assert from "node:assert/strict";
import fc from "fast-check";
import { formatReference, parseReference } from "../../src/vocabulary/reference.ts";

const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, { maxLength: 20 });
const registry = fc.oneof(
  fc.constant("localhost"),
  fc.constant("localhost:5000"),
  fc.constant("127.0.0.1:5000"),
  fc.constant("registry.example.com"),
  fc.constant("quay.io:443"),
);
const tag = fc.stringMatching(/^[\w][\w.-]{0,20}$/);
const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`);

Deno.test("parseReference() round-trips registry:port/path:tag@digest", () => {
  fc.assert(
    fc.property(
      fc.option(registry, { nil: undefined }),
      fc.array(component, { minLength: 1, maxLength: 4 }),
      fc.option(tag, { nil: undefined }),
      fc.option(digest, { nil: undefined }),
      (host, parts, tagValue, digestValue) => {
        const reference = {
          ...(host !== undefined ? { registry: host } : {}),
          path: parts.join("/"),
          ...(tagValue !== undefined ? { tag: tagValue } : {}),
          ...(digestValue !== undefined ? { digest: digestValue } : {}),
        };
        // A bare first component that looks like a host is read as one; keep those out.
        fc.pre(host !== undefined || parts.length === 1 || !/[.:]|^localhost$/.test(parts[0]!));
        const text = formatReference(reference);
        assert.deepEqual(parseReference(text), reference);
        assert.equal(formatReference(parseReference(text)), text);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("parseReference() keeps a registry port apart from the tag", () => {
  assert.deepEqual(parseReference("127.0.0.1:5000/a/b"), {
    registry: "127.0.0.1:5000",
    path: "a/b",
  });
  assert.deepEqual(parseReference("127.0.0.1:5000/a/b:2"), {
    registry: "127.0.0.1:5000",
    path: "a/b",
    tag: "2",
  });
  assert.deepEqual(parseReference("busybox"), { path: "busybox" });
});

Deno.test("parseReference() rejects a missing reference with a TypeError, a malformed one with a RangeError", () => {
  for (const missing of ["", "  ", undefined, 42]) {
    assert.throws(() => parseReference(missing as never), TypeError, String(missing));
  }
  for (const bad of ["UPPER/x", "a//b", "a:b:c", "x:bad tag", "x@sha256:xyz", "/x", "x/"]) {
    assert.throws(() => parseReference(bad), RangeError, bad);
  }
});
