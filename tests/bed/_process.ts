/**
 * Process plumbing for the test bed's daemons. It lives in the library
 * (`src/service/_logged_process.ts`, `_wait_until_ready.ts`, `_remove_dir.ts`), where
 * `PodmanClient.spawn()` and the SSH tunnel use it, so that the bed starts and stops its
 * services with the same code users get.
 *
 * @module
 */

export { errorMessage } from "../../src/service/_error_message.ts";
export {
  type LoggedProcess,
  logTail,
  spawnLogged,
  type SpawnLoggedOptions,
} from "../../src/service/_logged_process.ts";
export { removeDir } from "../../src/service/_remove_dir.ts";
export {
  type Readiness,
  type WaitOptions,
  waitUntilReady,
} from "../../src/service/_wait_until_ready.ts";
