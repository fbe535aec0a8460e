import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeFilters } from "../../src/vocabulary/filters.ts";

Deno.test("encodeFilters() sends label objects as key=value and scalars as strings", () => {
  assert.equal(
    encodeFilters({ label: { team: "a", tier: "web" }, dangling: true, until: "24h" }),
    JSON.stringify({ dangling: ["true"], label: ["team=a", "tier=web"], until: ["24h"] }),
  );
  assert.equal(
    encodeFilters({ "label!": ["x", "y=1"] }),
    JSON.stringify({ "label!": ["x", "y=1"] }),
  );
  assert.equal(encodeFilters({}), undefined);
  assert.equal(encodeFilters({ reference: undefined }), undefined);
});

Deno.test("encodeFilters() rejects values it cannot encode with a TypeError", () => {
  assert.throws(() => encodeFilters({ label: null as never }), TypeError);
  assert.throws(() => encodeFilters({ label: [{}] as never }), TypeError);
});

Deno.test("encodeFilters() always gives Podman's map of string lists", () => {
  const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean());
  const value = fc.oneof(
    scalar,
    fc.array(scalar),
    fc.dictionary(fc.string({ minLength: 1 }), scalar),
  );
  fc.assert(
    fc.property(fc.dictionary(fc.string({ minLength: 1 }), value, { minKeys: 1 }), (filters) => {
      const encoded = encodeFilters(filters);
      const parsed = JSON.parse(encoded ?? "{}") as Record<string, unknown>;
      for (const [key, list] of Object.entries(parsed)) {
        assert.ok(Object.hasOwn(filters, key));
        assert.ok(Array.isArray(list) && list.every((item) => typeof item === "string"));
        assert.ok(!list.some((item) => item.includes("[object Object]")));
      }
    }),
    { numRuns: 300 },
  );
});
