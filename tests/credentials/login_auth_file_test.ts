// loginAuthFile(): the file podman login writes, by containers-auth.json(5)'s rules for Linux.
import assert from "node:assert/strict";
import { withEnv } from "./_env.ts";
import { PodmanError } from "../../mod.ts";
import { loginAuthFile } from "../../src/credentials/login_auth_file.ts";

const ACTION = "Cannot log in";

Deno.test("loginAuthFile() takes authfile over REGISTRY_AUTH_FILE over XDG_RUNTIME_DIR over /run/containers/UID", async () => {
  const runtime = await Deno.makeTempDir({ prefix: "podrx-runtime-" });
  try {
    const env = { REGISTRY_AUTH_FILE: "/x/env.json", XDG_RUNTIME_DIR: runtime };
    await withEnv(env, async () => {
      assert.equal(await loginAuthFile("/x/given.json", ACTION), "/x/given.json");
      assert.equal(await loginAuthFile(new URL("file:///x/a%20b.json"), ACTION), "/x/a b.json");
      assert.equal(await loginAuthFile(undefined, ACTION), "/x/env.json");
    });
    await withEnv({ ...env, REGISTRY_AUTH_FILE: "" }, async () => {
      assert.equal(await loginAuthFile(undefined, ACTION), `${runtime}/containers/auth.json`);
    });
    await withEnv({ REGISTRY_AUTH_FILE: undefined, XDG_RUNTIME_DIR: undefined }, async () => {
      assert.equal(
        await loginAuthFile(undefined, ACTION),
        `/run/containers/${Deno.uid()}/auth.json`,
      );
    });
    await withEnv(
      { REGISTRY_AUTH_FILE: undefined, XDG_RUNTIME_DIR: `${runtime}/gone` },
      async () => {
        await assert.rejects(
          loginAuthFile(undefined, ACTION),
          (error: unknown) =>
            error instanceof PodmanError &&
            error.message ===
              `${ACTION}: the directory "${runtime}/gone" set by XDG_RUNTIME_DIR does not exist; ` +
                "create it, unset XDG_RUNTIME_DIR, or give authfile",
        );
      },
    );
  } finally {
    await Deno.remove(runtime, { recursive: true });
  }
});
