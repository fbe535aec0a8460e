// deno-lint-ignore-file no-console -- an example reports on the terminal
/**
 * Pulls one image with a single aggregate progress bar, folded from the pull's events by the
 * `progress()` operator. Ctrl-C unsubscribes, which aborts the request at once; the script
 * then closes the client and exits with 130.
 *
 * ```sh
 * deno run -A examples/pull_with_progress.ts --url unix:///run/podman/podman.sock \
 *   --tls-verify=false 127.0.0.1:5000/team/app:1
 * ```
 *
 * Flags: `--url URL` (else `CONTAINER_HOST` or Podman's default connection) or `--spawn` (a
 * private, throwaway service); `--tls-verify=false` for a plain-HTTP registry; `--user` and
 * `--password` (or `PODRX_REGISTRY_PASSWORD`) for a registry that wants them.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { last, map } from "rxjs";
import { type AuthConfig, progress, type PulledEvent } from "../mod.ts";
import { connect, CONNECTION_OPTIONS, finish, runUntilDone, tlsVerify, usage } from "./_cli.ts";
import { Screen, showTransfer } from "./_display.ts";

const USAGE = `Usage: deno run -A examples/pull_with_progress.ts [--url URL | --spawn]
  [--tls-verify=false] [--user NAME --password SECRET] IMAGE`;

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      ...CONNECTION_OPTIONS,
      "tls-verify": { type: "string" },
      user: { type: "string" },
      password: { type: "string" },
    },
  });
  if (values.help) usage(USAGE);
  if (positionals.length !== 1) usage(USAGE, "Name exactly one image to pull");
  const image = positionals[0]!;
  const verify = tlsVerify(values["tls-verify"], USAGE);
  const password = values.password ?? Deno.env.get("PODRX_REGISTRY_PASSWORD");
  const authConfig: AuthConfig | undefined = values.user
    ? { username: values.user, password: password ?? "" }
    : undefined;

  const screen = new Screen();
  const client = await connect(values);
  const pull = client.images.pull(image, {
    ...(verify === undefined ? {} : { tlsVerify: verify }),
    ...(authConfig ? { authConfig } : {}),
  }).pipe(
    progress(),
    showTransfer(screen, "pull", image, { perLayer: false }),
    last(),
    map((snapshot) => (snapshot.event as PulledEvent).image),
  );
  const outcome = await runUntilDone(pull);
  if (outcome.kind === "completed" && outcome.last) {
    console.log(`Pulled ${image}: ${outcome.last.id}`);
  }
  await finish(client, outcome, screen);
}
