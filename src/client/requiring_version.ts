import { PodmanError } from "../errors.ts";
import { apiAtLeast } from "./api_version.ts";
import type { Requester } from "./requester.ts";

/**
 * A requester that sends nothing to a server older than `major.minor`: each request first
 * reads the server's version (read once per connection) and fails with a `PodmanError` naming
 * the request's action, what needs the version, and the server's version. For a family of
 * endpoints that came with one release (artifacts, Podman 5.6), so that every operation of
 * the family refuses an old server the same way, before anything is sent, instead of each
 * operation checking on its own (an old server would answer 404 for the unknown path, which
 * reads like a missing artifact).
 *
 * @param requester The requester to guard.
 * @param what What needs the version, for the message, e.g. `"the artifacts API"`.
 */
export function requiringVersion(
  requester: Requester,
  major: number,
  minor: number,
  what: string,
): Requester {
  const guarded: Requester = {
    async request(request, signal) {
      const version = await requester.apiVersion(signal);
      if (!apiAtLeast(version, major, minor)) {
        throw new PodmanError(
          `${request.action}: ${what} needs Podman ${major}.${minor} or later; ` +
            `the server runs ${version}`,
        );
      }
      return await requester.request(request, signal);
    },
    apiVersion: (signal) => requester.apiVersion(signal),
  };
  const registryCredentials = requester.registryCredentials;
  if (registryCredentials !== undefined) {
    guarded.registryCredentials = (reference, action, signal) =>
      registryCredentials.call(requester, reference, action, signal);
  }
  const keepOpenUntil = requester.keepOpenUntil;
  if (keepOpenUntil !== undefined) {
    guarded.keepOpenUntil = (work) => keepOpenUntil.call(requester, work);
  }
  const connectionKind = requester.connectionKind;
  if (connectionKind !== undefined) {
    guarded.connectionKind = (signal) => connectionKind.call(requester, signal);
  }
  return guarded;
}
