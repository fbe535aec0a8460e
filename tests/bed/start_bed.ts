// deno-lint-ignore-file no-console -- the runner reports to the terminal
/**
 * One test bed: three registries (open, basic auth, token auth) with the token auth's token
 * service, and a private Podman service with seeded images. `tests/run.ts` starts one per lane
 * of bed files; nothing of one bed is shared with another.
 *
 * @module
 */

import type { TestBed } from "./env.ts";
import { startPodmanService } from "./podman_service.ts";
import { type Registry, startRegistry } from "./registry.ts";
import { seedImages } from "./seed.ts";
import { startTokenServer } from "./token_server.ts";

const AUTH_USER = "podrx";

/** Options for {@linkcode startBed}. */
export interface StartBedOptions {
  /** Starts each line the bed prints, e.g. `podrx test bed 2`. */
  label: string;
  /**
   * Run as a user other than root, whether the service listens on the user's own socket
   * (`$XDG_RUNTIME_DIR/podman/podman.sock`); one bed at a time can.
   */
  userSocket: boolean;
  /** Aborts the start. */
  signal: AbortSignal;
}

/**
 * Starts a bed. Whatever started is pushed onto `cleanups` at once, so a bed that fails
 * half-way, or a run interrupted, stops it all.
 *
 * @param cleanups Where each started part's stop goes; the caller runs them newest first.
 * @param options Label, socket and signal.
 * @returns The bed, once its images are seeded.
 */
export async function startBed(
  cleanups: (() => Promise<void>)[],
  options: StartBedOptions,
): Promise<TestBed> {
  const { label, signal } = options;
  const password = randomPassword();
  const tokenPassword = randomPassword();
  const identityToken = randomPassword();
  // In this process and quick (a key and certificate from openssl); the token registry
  // needs its realm and certificate before it starts.
  const tokenServer = await startTokenServer({
    username: AUTH_USER,
    password: tokenPassword,
    identityToken,
    service: "podrx-test-registry",
    issuer: "podrx-test-token-service",
  });
  cleanups.push(tokenServer.stop);
  // All at once; each one that starts is registered for cleanup even if another fails.
  const results = await Promise.allSettled([
    startRegistry({ auth: { username: AUTH_USER, password }, signal }),
    startRegistry({ signal }),
    startRegistry({ token: tokenServer, signal }),
  ]);
  for (const result of results) {
    if (result.status === "fulfilled") cleanups.push(result.value.stop);
  }
  const [authRegistry, openRegistry, tokenRegistry] = results.map((result) => {
    if (result.status === "rejected") throw result.reason;
    return result.value;
  }) as [Registry, Registry, Registry];
  console.log(`${label}: registry (basic auth, user ${AUTH_USER}) at ${authRegistry.address}`);
  console.log(`${label}: registry (open) at ${openRegistry.address}`);
  console.log(
    `${label}: registry (token auth, user ${AUTH_USER}) at ${tokenRegistry.address}, ` +
      `token service at ${tokenServer.realm}`,
  );

  const service = await startPodmanService({
    insecureRegistries: [authRegistry.address, openRegistry.address, tokenRegistry.address],
    userSocket: options.userSocket,
    signal,
  });
  cleanups.push(service.stop);
  console.log(`${label}: podman service at ${service.socketPath}`);

  signal.throwIfAborted();
  const images = await seedImages(service);
  for (const image of [images.busybox, images.labeled]) {
    console.log(`${label}: seeded ${image.name} (${image.id.slice(0, 12)})`);
  }
  signal.throwIfAborted();

  return {
    socketPath: service.socketPath,
    serviceLog: service.logPath,
    root: service.root,
    runroot: service.runroot,
    registriesConf: service.registriesConf,
    registry: openRegistry.address,
    authRegistry: authRegistry.address,
    authUser: AUTH_USER,
    authPassword: password,
    tokenRegistry: tokenRegistry.address,
    tokenUser: AUTH_USER,
    tokenPassword,
    tokenIdentityToken: identityToken,
    busyboxImage: images.busybox.name,
    labeledImage: images.labeled.name,
  };
}

function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Runs what {@linkcode startBed} pushed onto `cleanups`, newest first (Podman may still be
 * talking to the registries), each one even when one before it failed.
 *
 * @param cleanups The stops, oldest first; emptied.
 * @param onFailure Hears of each stop that failed.
 */
export async function runCleanups(
  cleanups: (() => Promise<void>)[],
  onFailure: (error: unknown) => void,
): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      onFailure(error);
    }
  }
}
