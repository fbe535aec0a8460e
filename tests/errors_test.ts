// One error family: each class with its own name, all under PodmanError, and a guard that
// also knows errors made by another copy of podrx (another realm or version).
import assert from "node:assert/strict";
import { APIError, isPodmanError, NotFound, PodmanError } from "../mod.ts";
import * as errors from "../src/errors.ts";

const DETAILS = { status: 404, method: "GET", path: "/libpod/images/x/json", explanation: "no" };

function family(module: typeof errors): [string, Error][] {
  return [
    ["PodmanError", new module.PodmanError("Cannot x: y")],
    ["ConnectionError", new module.ConnectionError("Cannot x: y", { reason: "refused" })],
    ["TimeoutError", new module.TimeoutError("Cannot x: y", 5)],
    ["APIError", new module.APIError("Cannot x", { ...DETAILS, status: 500 })],
    ["NotFound", new module.NotFound("Cannot x", DETAILS)],
    ["ImageNotFound", new module.ImageNotFound("Cannot x", DETAILS)],
    ["BuildError", new module.BuildError("Cannot build image: y", [])],
  ];
}

Deno.test("every error class has its own name and is a PodmanError", () => {
  for (const [name, error] of family(errors)) {
    assert.equal(error.name, name);
    assert.equal(error.constructor.name, name);
    assert.ok(error instanceof PodmanError && isPodmanError(error), name);
    assert.match(String(error), new RegExp(`^${name}: Cannot`));
  }
  assert.ok(new errors.ImageNotFound("Cannot x", DETAILS) instanceof NotFound);
  assert.ok(new errors.NotFound("Cannot x", DETAILS) instanceof APIError);
});

Deno.test("isPodmanError() knows the family of another copy of podrx, and nothing else", async () => {
  // A second instance of the module: its classes are not ours, as across realms.
  const other = await import("../src/errors.ts?another-copy");
  assert.notEqual(other.PodmanError, PodmanError);
  for (const [name, error] of family(other)) {
    assert.ok(!(error instanceof PodmanError), name);
    assert.ok(isPodmanError(error), name);
    assert.ok(other.isPodmanError(new PodmanError("x")), name);
  }
  for (
    const stranger of [
      new Error("x"),
      new TypeError("x"),
      new RangeError("x"),
      new DOMException("timed out", "TimeoutError"),
      Object.assign(new Error("x"), { name: "ConnectionError" }),
      { name: "APIError", isPodmanError: false },
      "PodmanError",
      null,
      undefined,
    ]
  ) {
    assert.equal(isPodmanError(stranger), false, String(stranger));
  }
});
