import assert from "node:assert/strict";
import {
  connectionFailureReason,
  isConnectionFailure,
  isPermissionError,
} from "../../src/transport/_connection_failure.ts";

/** An OS error as Node and Bun report it: an `Error` with a `code`. */
function systemError(code: string, message = `${code}: something`): Error {
  return Object.assign(new Error(message), { code });
}

/** Node's fetch (and node_transport) wraps it; Bun's fetch puts the code on the TypeError. */
const nodeFetchFailure = (code: string) =>
  new TypeError("fetch failed", { cause: systemError(code) });
const bunFetchFailure = (code: string) =>
  Object.assign(new TypeError(`${code}: Unable to connect`), { code });

Deno.test("a Node or Bun fetch failure is classified by its code", () => {
  for (const wrap of [nodeFetchFailure, bunFetchFailure]) {
    assert.equal(connectionFailureReason(wrap("ECONNREFUSED")), "refused");
    for (const code of ["ENOENT", "ENOTSOCK", "EHOSTUNREACH", "ENOTFOUND"]) {
      assert.equal(connectionFailureReason(wrap(code)), "unreachable", code);
    }
    for (const code of ["ECONNRESET", "EPIPE"]) {
      assert.equal(connectionFailureReason(wrap(code)), "broken", code);
      assert.ok(isConnectionFailure(wrap(code)), code);
    }
    assert.ok(isPermissionError(wrap("EACCES")));
    assert.ok(isPermissionError(wrap("EPERM")));
    assert.equal(connectionFailureReason(wrap("EACCES")), "unreachable");
  }
});

Deno.test("a body cut short on Node is a broken connection", () => {
  const cut = new TypeError("the connection closed before the response body ended", {
    cause: systemError("ECONNRESET", "aborted"),
  });
  assert.ok(isConnectionFailure(cut));
  assert.equal(connectionFailureReason(cut), "broken");
  const undici = new TypeError("terminated", { cause: systemError("UND_ERR_SOCKET") });
  assert.ok(isConnectionFailure(undici));
});

Deno.test("a file's or a process's error with a code is not the network's", () => {
  // node:fs reports ENOENT and EPIPE as plain Errors, not wrapped in fetch's TypeError.
  assert.equal(isConnectionFailure(systemError("EPIPE")), false);
  assert.equal(isConnectionFailure(systemError("ECONNRESET")), false);
  assert.equal(connectionFailureReason(systemError("ENOENT")), "broken");
  // The OS refusing access is a permission error wherever it comes from.
  assert.ok(isPermissionError(systemError("EACCES")));
});

Deno.test("Deno's own errors are still read on Deno", () => {
  assert.ok(isPermissionError(new Deno.errors.NotCapable("no --allow-net")));
  assert.ok(isConnectionFailure(new Deno.errors.ConnectionReset("reset")));
  assert.equal(connectionFailureReason(new Deno.errors.ConnectionRefused("refused")), "refused");
  assert.equal(connectionFailureReason(new Deno.errors.NotFound("no file")), "unreachable");
});
