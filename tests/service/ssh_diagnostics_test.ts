import assert from "node:assert/strict";
import { sshDiagnostics } from "../../src/service/_ssh_args.ts";

Deno.test("sshDiagnostics() keeps each line ssh printed once, in order, without noise", () => {
  const failed = "channel 1: open failed: connect failed: open failed";
  assert.equal(
    sshDiagnostics(
      `Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts.\r\n` +
        `${failed}\r\n${failed}\r\nchannel 2: open failed\n\n`,
    ),
    `${failed}\nchannel 2: open failed`,
  );
  assert.equal(sshDiagnostics("(log is empty)\n"), "(ssh printed nothing)");
});
