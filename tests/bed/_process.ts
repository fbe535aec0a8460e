/**
 * Process plumbing for the test bed's daemons. It lives in the library
 * (`src/service/_process.ts`), where `PodmanClient.spawn()` and the SSH tunnel use it, so
 * that the bed starts and stops its services with the same code users get.
 *
 * @module
 */

export {
  errorMessage,
  type LoggedProcess,
  logTail,
  type Readiness,
  removeDir,
  spawnLogged,
  type SpawnLoggedOptions,
  type WaitOptions,
  waitUntilReady,
} from "../../src/service/_process.ts";
