/** What the errors of spawning a service start with. */
export const SPAWN_ACTION = "Cannot spawn a Podman service";
